import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { studentChannels } from '../../../electron/transfer/student-channels.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

// Real files: Kvasir-SEG frames are RGB JPEGs, BUS-BRA images grey PNGs.
const tmp = tempDir('apprentice-channels-');
afterAll(() => tmp.cleanup());

function folderOf(dataset: string, n: number): string {
  const src = join(SHARED_DIR, 'data', dataset, 'images');
  const dir = join(tmp.dir, dataset);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(src).sort().slice(0, n)) copyFileSync(join(src, f), join(dir, f));
  return dir;
}
const colourImages = folderOf('kvasir-seg', 3);
const greyImages = folderOf('bus-bra', 3);

const spec = (images: string, channels?: 1 | 3) => ({
  student: { channels } as never,
  transferal: { images },
});
const grey = { name: 'grey-net', inputChannels: 1 as const };
const colour = { name: 'rgb-net', inputChannels: 3 as const };
const masks = { name: 'masks', inputChannels: null };

describe('the input channels of a transfer student', () => {
  it('are colour when a teacher takes colour and the transferal images are colour', async () => {
    const r = await studentChannels(spec(colourImages), [grey, colour]);
    expect(r.channels).toBe(3);
    expect(r.reason).toContain('rgb-net takes colour');
  });

  it('stay grey for grey images even when a teacher takes colour, and say why', async () => {
    const r = await studentChannels(spec(greyImages), [colour]);
    expect(r).toEqual({ channels: 1, reason: 'rgb-net takes colour, but the transferal images are grey' });
  });

  it('stay grey when every teacher looks at grey images, or reads none', async () => {
    expect((await studentChannels(spec(colourImages), [grey])).channels).toBe(1);
    expect(await studentChannels(spec(colourImages), [masks])).toEqual({
      channels: 1,
      reason: 'no teacher reads images (mask folders), so grey',
    });
  });

  it('follow the spec when it says', async () => {
    expect(await studentChannels(spec(greyImages, 3), [grey])).toEqual({
      channels: 3,
      reason: 'set in the run spec (student.channels)',
    });
    expect((await studentChannels(spec(colourImages, 1), [colour])).channels).toBe(1);
  });
});
