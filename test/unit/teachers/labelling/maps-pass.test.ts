// Pass 1 alone (one shard's work): maps stored as the single run stores them, agreement scores as the
// single run observes them, and broken files (truncated, not an image) counted and named as the single
// run counts and names them, without stopping the shard.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTeacherCard } from '../../../../electron/teachers/card.js';
import { imageFiles, readStoredMap, runFolder } from '../../../../electron/teachers/folder-run.js';
import { agreementScores } from '../../../../electron/teachers/label-free/agreement-weights.js';
import { fusionFor, mapsPass } from '../../../../electron/teachers/labelling/maps-pass.js';
import { openTeacher } from '../../../../electron/teachers/open.js';
import type { TeacherRunner } from '../../../../electron/teachers/runner.js';
import { copyBusBra } from '../../../helpers/data.js';
import { SHARED_DIR, tempDir } from '../../../helpers/temp.js';

const CARDS = ['fcn-busi', 'unet-busi'].map((t) => join(SHARED_DIR, 'teachers', `${t}.json`));

let t: { dir: string; cleanup: () => void };
let images: string;
let teachers: TeacherRunner[];

beforeAll(async () => {
  t = tempDir('maps-pass-');
  const data = copyBusBra(join(t.dir, 'src'), 2, { masks: false });
  images = join(t.dir, 'images');
  mkdirSync(images);
  for (const n of data.names) copyFileSync(join(data.images, n), join(images, n));
  const png = readFileSync(join(images, data.names[0]!));
  writeFileSync(join(images, 'b-truncated.png'), png.subarray(0, png.length >> 2));
  writeFileSync(join(images, 'c-not-an-image.png'), 'hello, I am text');
  teachers = [];
  for (const c of CARDS) teachers.push(await openTeacher(loadTeacherCard(c)));
});
afterAll(async () => {
  await Promise.all(teachers.map((r) => r.dispose()));
  t.cleanup();
});

describe('mapsPass', () => {
  it('stores what the single run stores and counts broken files as it does', async () => {
    const names = teachers.map((r) => r.name);
    const { views } = fusionFor(names, undefined);
    const pass = await mapsPass(teachers, {
      files: imageFiles(images),
      mapsRoot: join(t.dir, 'pass'),
      views,
      throwIfCancelled: () => undefined,
    });
    const single = await runFolder(teachers, {
      images,
      out: join(t.dir, 'single', 'fused'),
      probs: join(t.dir, 'single', 'maps'),
    });
    expect(pass.images).toBe(4);
    expect(pass.failed).toBe(2);
    expect([pass.images, pass.failed]).toEqual([single.images, single.failed]);
    expect(pass.errors.map((e) => e.image).sort()).toEqual(['b-truncated', 'c-not-an-image']);
    expect(pass.errors.map((e) => [e.image, e.code]).sort()).toEqual(
      single.errors.map((e) => [e.image, e.code]).sort(),
    );
    // The good images: the single run's map files, byte for byte, and the scores of those maps as read back.
    expect(pass.mapped.map((m) => m.name)).toEqual(single.outcomes.map((o) => o.image));
    for (const teacher of names)
      for (const f of readdirSync(join(t.dir, 'single', 'maps', teacher)))
        expect(
          readFileSync(join(t.dir, 'pass', teacher, f)).equals(
            readFileSync(join(t.dir, 'single', 'maps', teacher, f)),
          ),
          `${teacher}/${f}`,
        ).toBe(true);
    for (const m of pass.mapped) {
      const maps = await Promise.all(
        names.map((n) => readStoredMap(join(t.dir, 'pass', n, `${m.name}.png`), m.rows, m.cols)),
      );
      expect(m.scores).toEqual(agreementScores(maps));
    }
  }, 120_000);

  it('stops between chunks when asked to', async () => {
    const { views } = fusionFor(
      teachers.map((r) => r.name),
      undefined,
    );
    await expect(
      mapsPass(teachers, {
        files: imageFiles(images),
        mapsRoot: join(t.dir, 'stopped'),
        views,
        throwIfCancelled: () => {
          throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    expect(readdirSync(join(t.dir, 'stopped', 'fcn-busi'))).toEqual([]);
  });
});
