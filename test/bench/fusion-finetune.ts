/**
 * npm run bench:fusion-finetune [-- --out DIR --seed 1 --epochs 20 --finetune-epochs 20 --size 128]
 *
 * The third experiment of Wang et al. with the product's default labels: a U-Net student learns from the
 * automatic (label-free) fusion of the three BUSI teachers on BUS-BRA, then is fine-tuned on the 10 %
 * labeled images of the bench:transfer split (whole patients). Needs the labels of `npm run bench:fusion --
 * --student` (OUT/labels/picked, the rule picked on dev: the product's 'auto'). Same split (seed 1), same
 * student settings as bench:fusion's students; --seed seeds the student only. The run's test rows give the
 * student before and after fine-tuning, next to the labels it learned from.
 * Writes OUT/finetune[-seedN].json and prints one line per row.
 * Cite Gomez-Flores et al., Med. Phys. 2023 (BUS-BRA) and Al-Dhabyani et al. 2020 (BUSI) with any figure.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TransferSpecInput } from '../../shared/transfer.js';
import { initCompute } from '../../electron/engine/backend.js';
import { runTransfer } from '../../electron/transfer/pipeline.js';
import { parseSpec } from '../../electron/transfer/spec-file.js';
import { BUS_BRA_CASE_REGEX, busBraSplit } from './busbra-split.js';

const repo = resolve(import.meta.dirname, '..', '..');
const busbra = join(repo, '..', 'shared', 'data', 'bus-bra');
const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: join(repo, 'test-results', 'fusion-study') },
    seed: { type: 'string', default: '1' },
    epochs: { type: 'string', default: '20' },
    'finetune-epochs': { type: 'string', default: '20' },
    size: { type: 'string', default: '128' },
  },
});
const out = resolve(opt.out);
const seed = Number(opt.seed);
const card = join(out, 'labels', 'picked.json');
if (!existsSync(card)) {
  console.error(`${card} is missing: run \`npm run bench:fusion -- --student\` first (it writes the labels)`);
  process.exit(2);
}

// The split of bench:transfer and bench:fusion (split seed 1, whatever the student's seed).
const split = busBraSplit(busbra, 1);
const dirs = {
  transferal: join(out, 'data', 'transferal', 'images'),
  testImages: join(out, 'data', 'test', 'images'),
  testMasks: join(out, 'data', 'test', 'masks'),
  ftImages: join(out, 'data', 'finetune', 'images'),
  ftMasks: join(out, 'data', 'finetune', 'masks'),
};
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
const copy = (ids: string[], kind: 'images' | 'masks', to: string) => {
  for (const id of ids) copyFileSync(join(busbra, kind, `${id}.png`), join(to, `${id}.png`));
};
copy(split.transferal, 'images', dirs.transferal);
copy(split.test, 'images', dirs.testImages);
copy(split.test, 'masks', dirs.testMasks);
copy(split.finetune, 'images', dirs.ftImages);
copy(split.finetune, 'masks', dirs.ftMasks);
console.log(
  `split: ${split.test.length} test, ${split.transferal.length} transferal (${split.finetune.length} of them labeled for fine-tuning)`,
);

await initCompute();
const name = `student-picked-finetuned${seed === 1 ? '' : `-seed${seed}`}`;
const spec: TransferSpecInput = {
  name,
  teachers: [card],
  transferal: { images: dirs.transferal },
  fusion: { method: 'mean', threshold: 0.5 }, // one teacher: its labels as they are
  student: {
    arch: 'unet',
    size: Number(opt.size),
    epochs: Number(opt.epochs),
    batchSize: 8,
    learningRate: 2e-3,
    patience: 0,
    valFraction: 0.1,
    augment: true,
  },
  finetune: {
    images: dirs.ftImages,
    masks: dirs.ftMasks,
    epochs: Number(opt['finetune-epochs']),
    learningRate: 5e-4,
  },
  test: { images: dirs.testImages, masks: dirs.testMasks },
  caseRegex: BUS_BRA_CASE_REGEX,
  seed,
  out: join(out, 'runs', name),
};
const t0 = Date.now();
const r = await runTransfer(parseSpec(spec, out, name));
const rows = r.test!.scores.map((s) => ({ source: s.source, kind: s.kind, dice: s.dice }));
for (const row of rows) console.log(`${row.source.padEnd(48)} ${row.kind.padEnd(8)} ${row.dice.toFixed(4)}`);
const minutes = (Date.now() - t0) / 60000;
console.log(`${minutes.toFixed(1)} min`);
writeFileSync(
  join(out, `finetune${seed === 1 ? '' : `-seed${seed}`}.json`),
  JSON.stringify({ seed, finetuneImages: split.finetune.length, rows, minutes }, null, 1),
);
