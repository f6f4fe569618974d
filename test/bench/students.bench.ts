/**
 * npm run bench:students [-- --minutes 15 --archs unet,attention-unet --size 128 --fold 1 --batch 8 --json out.json]
 *
 * Trains zoo members on ../shared/data/bus-bra with its real masks, validation = one fold of the
 * official 5-fold split (both views of a patient on the same side), each under the same wall-clock
 * training budget, through the real CLI (`apprentice train --max-minutes`), one after another so that
 * they do not share the CPU. Prints a table, writes the JSON (default test-results/bench-students.json)
 * and prints as the LAST line one JSON object with the best validation Dice per architecture.
 * Cite Gomez-Flores et al., Med. Phys. 2023 (BUS-BRA) with any figure from it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const data = path.resolve(repo, '..', 'shared', 'data', 'bus-bra');

const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '15' },
    archs: { type: 'string', default: 'unet,attention-unet,residual-unet,unet++,deeplabv3+' },
    size: { type: 'string', default: '128' },
    fold: { type: 'string', default: '1' },
    batch: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: path.join(repo, 'test-results', 'bench-students') },
    json: { type: 'string', default: path.join(repo, 'test-results', 'bench-students.json') },
  },
});

interface Row {
  arch: string;
  params: number;
  val_dice: number | null;
  val_iou: number | null;
  epochs: number;
  best_epoch: number | null;
  seconds: number;
  ms_per_step: number | null;
}

const rows: Row[] = [];
/** The last epoch may be cut short by the budget: the median of the full ones is the step time. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const arch of opt.archs
  .split(',')
  .map((a) => a.trim())
  .filter(Boolean)) {
  const out = path.join(opt.out, arch.replace(/\W+/g, '_'));
  const args = [
    path.join(repo, 'electron', 'cli', 'apprentice.mjs'),
    'train',
    '--images',
    path.join(data, 'images'),
    '--masks',
    path.join(data, 'masks'),
    '--folds',
    path.join(data, '5-fold-cv.csv'),
    '--fold',
    opt.fold,
    '--arch',
    arch,
    '--size',
    opt.size,
    '--batch',
    opt.batch,
    '--seed',
    opt.seed,
    '--epochs',
    '1000',
    '--patience',
    '0',
    '--max-minutes',
    opt.minutes,
    '--out',
    out,
    '--json',
  ];
  process.stderr.write(`${arch}: training for ${opt.minutes} min ...\n`);
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    process.stderr.write(`${arch} failed:\n${r.stderr}\n`);
    continue;
  }
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    params: number;
    val_dice: number | null;
    val_iou: number | null;
    epochs: number;
    best_epoch: number | null;
    seconds: number;
    history: { seconds: number }[];
  };
  const steps = Math.floor((707 * 0.8) / Number(opt.batch)); // approximate steps per epoch for the table
  const epochSeconds = res.history.map((h) => h.seconds);
  rows.push({
    arch,
    params: res.params,
    val_dice: res.val_dice,
    val_iou: res.val_iou,
    epochs: res.epochs,
    best_epoch: res.best_epoch,
    seconds: res.seconds,
    ms_per_step: epochSeconds.length
      ? Math.round(
          (median(epochSeconds.slice(0, -1).length ? epochSeconds.slice(0, -1) : epochSeconds) * 1000) /
            steps,
        )
      : null,
  });
}

console.log(
  'arch              params   epochs  best  val Dice  val IoU  train s  ~ms/step (median epoch incl. validation)',
);
for (const r of rows)
  console.log(
    `${r.arch.padEnd(16)} ${String(r.params).padStart(8)} ${String(r.epochs).padStart(7)} ${String(r.best_epoch ?? '-').padStart(5)}  ${(r.val_dice ?? NaN).toFixed(4).padStart(8)} ${(r.val_iou ?? NaN).toFixed(4).padStart(8)} ${r.seconds.toFixed(0).padStart(8)} ${String(r.ms_per_step ?? '-').padStart(9)}`,
  );
mkdirSync(path.dirname(opt.json), { recursive: true });
const summary = {
  dataset: 'BUS-BRA (400 patients, 707 images), fold ' + opt.fold + ' of 5-fold-cv.csv',
  size: Number(opt.size),
  minutes: Number(opt.minutes),
  rows,
};
writeFileSync(opt.json, JSON.stringify(summary, null, 2));
console.log(
  JSON.stringify({
    minutes: summary.minutes,
    size: summary.size,
    val_dice: Object.fromEntries(rows.map((r) => [r.arch, r.val_dice])),
  }),
);
