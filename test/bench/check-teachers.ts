/**
 * `npm run check:teachers`: runs every teacher card of ../shared/teachers through Apprentice on
 * ../shared/data/bus-bra and compares the Dice with the one the card lists (target: within 0.01), and the
 * mean-probability ensemble with ensemble.json. Writes test-results/check-teachers.json and prints a table.
 * Options: --limit N (first N images), --out FILE.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readImageFile } from '../../electron/io/read.js';
import { loadTeacherCard, type TeacherCard } from '../../electron/teachers/card.js';
import { fuse } from '../../electron/teachers/fusion.js';
import { listFiles, fileStem } from '../../electron/util/files.js';
import { dice, iou, mean, threshold } from '../../electron/engine/metrics/index.js';
import { openTeacher } from '../../electron/teachers/open.js';
import { predictFiles } from '../../electron/teachers/pipeline.js';

const REPO = join(import.meta.dirname, '..', '..');
const SHARED = join(REPO, '..', 'shared');
const { values } = parseArgs({
  options: { limit: { type: 'string' }, out: { type: 'string' } },
});
const TEACHERS = join(SHARED, 'teachers');
const DATA = join(SHARED, 'data', 'bus-bra');
const cards: TeacherCard[] = ['fcn-busi', 'resunet-busi', 'unet-busi'].map((n) =>
  loadTeacherCard(join(TEACHERS, `${n}.json`)),
);
const ensemble = JSON.parse(readFileSync(join(TEACHERS, 'ensemble.json'), 'utf8')) as {
  teachers: string[];
  dice_bus_bra: number;
  iou_bus_bra: number;
};
const files = listFiles(join(DATA, 'images')).slice(0, values.limit ? Number(values.limit) : undefined);

const runners = await Promise.all(cards.map((c) => openTeacher(c)));
const names = [...cards.map((c) => c.name), 'ensemble'];
const scores = new Map(names.map((n) => [n, { dice: [] as number[], iou: [] as number[] }]));
const errors: string[] = [];
const t0 = performance.now();
await predictFiles(runners, files, {
  async onPrediction({ image, results }) {
    const gt = (await readImageFile(join(DATA, 'masks', `${image.name}.png`))).slices[0]!.pixels;
    const maps: Float32Array[] = [];
    results.forEach((r, k) => {
      if (!r.ok) return void errors.push(r.error.message);
      maps.push(r.prob);
      const m = threshold(r.prob);
      scores.get(names[k]!)!.dice.push(dice(m, gt));
      scores.get(names[k]!)!.iou.push(iou(m, gt));
    });
    if (maps.length === cards.length) {
      const f = fuse(maps, { method: 'mean' });
      scores.get('ensemble')!.dice.push(dice(f.mask, gt));
      scores.get('ensemble')!.iou.push(iou(f.mask, gt));
    }
  },
  onUnreadable: (file, e) => errors.push(`${fileStem(file)}: ${e.message}`),
  onProgress: (d, n) => process.stderr.write(`\r${d}/${n}`),
});
process.stderr.write('\n');
await Promise.all(runners.map((r) => r.dispose()));

const expected = (n: string) =>
  n === 'ensemble' ? ensemble.dice_bus_bra : (cards.find((c) => c.name === n)!.raw.dice_bus_bra as number);
const rows = names.map((n) => {
  const s = scores.get(n)!;
  const d = mean(s.dice);
  return {
    teacher: n,
    images: s.dice.length,
    dice: d,
    iou: mean(s.iou),
    card: expected(n),
    diff: d - expected(n),
    ok: Math.abs(d - expected(n)) <= 0.01,
  };
});
const report = {
  date: new Date().toISOString(),
  data: DATA,
  images: files.length,
  seconds: (performance.now() - t0) / 1000,
  note: files.length < 707 ? 'subset: card values are for all 707 images' : undefined,
  rows,
  errors,
};
const out = values.out ?? join(REPO, 'test-results', 'check-teachers.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2));
console.log('teacher         images  dice    card    diff     iou     within 0.01');
for (const r of rows)
  console.log(
    `${r.teacher.padEnd(15)} ${String(r.images).padStart(6)}  ${r.dice.toFixed(4)}  ${r.card.toFixed(4)}  ${(r.diff >= 0 ? '+' : '') + r.diff.toFixed(4)}  ${r.iou.toFixed(4)}  ${r.ok ? 'yes' : 'NO'}`,
  );
console.log(`${errors.length} error(s); ${report.seconds.toFixed(1)} s; report: ${out}`);
process.exitCode = files.length === 707 && rows.some((r) => !r.ok) ? 1 : 0;
