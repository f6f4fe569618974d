// A folder's ground truth in a two-pass ('auto') run: masks are read when scored, not kept from pass 1 to
// pass 2 (over a large set that held every mask in memory); a broken mask is reported once, by name, and
// the other images are still scored.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadTeacherCard } from '../../../../electron/teachers/card.js';
import { runFolder } from '../../../../electron/teachers/folder-run.js';
import { openTeacher } from '../../../../electron/teachers/open.js';
import type { TeacherRunner } from '../../../../electron/teachers/runner.js';
import { copyBusBra } from '../../../helpers/data.js';
import { SHARED_DIR, tempDir } from '../../../helpers/temp.js';

const CARDS = ['fcn-busi', 'unet-busi'].map((t) => join(SHARED_DIR, 'teachers', `${t}.json`));
let t: { dir: string; cleanup: () => void };
let runners: TeacherRunner[];

beforeAll(async () => {
  t = tempDir('folder-truth-');
  runners = [];
  for (const c of CARDS) runners.push(await openTeacher(loadTeacherCard(c)));
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.dispose()));
  t.cleanup();
});

it('scores every readable mask in both passes and names a truncated one once', async () => {
  const data = copyBusBra(t.dir, 3);
  const broken = join(data.masks, data.names[1]!);
  writeFileSync(broken, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]));
  const r = await runFolder(runners, {
    images: data.images,
    masks: data.masks,
    out: join(t.dir, 'out'),
    fusion: { method: 'auto', tta: false },
  });
  expect(r.fusion).toBe('auto');
  expect(r.written).toBe(3);
  expect(r.with_ground_truth).toBe(2);
  const stem = data.names[1]!.replace(/\.png$/, '');
  const scored = r.outcomes.filter((o) => o.dice !== undefined).map((o) => o.image);
  expect(scored).not.toContain(stem);
  expect(r.outcomes.filter((o) => o.teacherDice !== undefined)).toHaveLength(2);
  const errors = r.errors.filter((e) => e.image === stem);
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toContain(broken);
}, 120_000);
