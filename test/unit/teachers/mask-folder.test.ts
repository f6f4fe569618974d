import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTeacherCard } from '../../../electron/teachers/card.js';
import { openTeacher } from '../../../electron/teachers/open.js';
import { writeGreyPng } from '../../../electron/teachers/png.js';
import { tempDir } from '../../helpers/temp.js';

describe('mask-folder teacher', () => {
  it('matches maps by name stem, reads 0/255 and probability maps, resizes to the image, reports missing ones', async () => {
    const t = tempDir();
    try {
      const dir = join(t.dir, 'maps');
      mkdirSync(dir);
      writeGreyPng(join(dir, 'a.png'), Uint8Array.from([0, 255, 255, 0]), 2, 2);
      writeGreyPng(join(dir, 'b.png'), Uint8Array.from([51, 204]), 1, 2);
      writeGreyPng(join(dir, 'c.png'), Uint8Array.from([0, 1, 1, 0]), 2, 2);
      const teacher = await openTeacher(parseTeacherCard({ name: 'pre', masks: { dir: 'maps' } }, t.dir));
      const img = (name: string, rows: number, cols: number) => ({
        name,
        rows,
        cols,
        channels: 1 as const,
        pixels: new Uint8Array(rows * cols),
      });
      const [a, b, c, d] = await teacher.predict([
        img('a', 2, 2),
        img('b', 1, 4),
        img('c', 2, 2),
        img('missing', 2, 2),
      ]);
      expect(a!.ok && [...a!.prob]).toEqual([0, 1, 1, 0]);
      // 1x2 -> 1x4 with half-pixel centres: [0.2, 0.35, 0.65, 0.8].
      expect(b!.ok && [...b!.prob].map((v) => +v.toFixed(4))).toEqual([0.2, 0.35, 0.65, 0.8]);
      // A map holding only 0 and 1 is a label map.
      expect(c!.ok && [...c!.prob]).toEqual([0, 1, 1, 0]);
      expect(!d!.ok && d!.error.message).toMatch(
        /teacher "pre" failed on missing: no map named "missing\.\*"/,
      );
    } finally {
      t.cleanup();
    }
  });
});
