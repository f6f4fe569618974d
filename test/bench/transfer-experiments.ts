/**
 * npm run bench:transfer [-- --out DIR --epochs 20 --size 128 --seed 1 --quick]
 *
 * The paper's three experiments (Wang et al. 2021) on real data: ../shared/data/bus-bra (707 images of
 * 400 patients) as transferal and test data, split by patient, and the three ONNX teachers of
 * ../shared/teachers (trained on BUSI, never on BUS-BRA), each run through `runTransfer` exactly as
 * `apprentice transfer` runs it:
 *   (a) one teacher (fcn-busi, the best card) -> a U-Net student;
 *   (b) (a) followed by fine-tuning on 10 % of the labeled non-test images, against a U-Net trained from
 *       scratch on the same 10 % with as many optimizer steps as transfer + fine-tuning together;
 *   (c) three teachers fused (STAPLE: it needs no labels) -> a U-Net student; and (c) again with the
 *       pseudo-labels of the k most uncertain transferal images (k = 5 %, 10 %, by the review queue)
 *       replaced by their ground truth, standing in for a person's corrections, against the same number
 *       of images chosen at random (the control).
 * Every run is epoch-based and seeded (no time budget), so the same seed gives the same numbers.
 * Writes OUT/results.md (the README table), OUT/results.json, and prints the table; the last line is
 * the JSON. A benchmark-class run (about an hour on two cores), not part of the test suite.
 * Cite Gomez-Flores et al., Med. Phys. 2023 (BUS-BRA) and Al-Dhabyani et al. 2020 (BUSI) with any figure.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TransferSpecInput, TransferSummary } from '../../shared/transfer.js';
import { initCompute } from '../../electron/engine/backend.js';
import { hasCheckpoint } from '../../electron/students/checkpoint.js';
import { DEFAULT_AUGMENT } from '../../electron/students/augment.js';
import { evaluateModel } from '../../electron/students/evaluate-run.js';
import { Rng } from '../../electron/students/rng.js';
import { BUS_BRA_CASE_REGEX, busBraSplit } from './busbra-split.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../electron/students/trainer.js';
import { resolveConfig } from '../../electron/engine/zoo/index.js';
import { readImageFile } from '../../electron/io/read.js';
import { loadTeacherCard } from '../../electron/teachers/card.js';
import { runFolder } from '../../electron/teachers/folder-run.js';
import { dice as maskDice, threshold } from '../../electron/engine/metrics/index.js';
import { openTeacher } from '../../electron/teachers/open.js';
import { runTransfer } from '../../electron/transfer/pipeline.js';
import { parseSpec } from '../../electron/transfer/spec-file.js';
import { runTrainingInWorker } from '../../electron/workers/run-train-worker.js';

const repo = resolve(import.meta.dirname, '..', '..');
const shared = resolve(repo, '..', 'shared');
const busbra = join(shared, 'data', 'bus-bra');
const teacherDir = join(shared, 'teachers');

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: join(repo, 'test-results', 'transfer-experiments') },
    epochs: { type: 'string', default: '20' },
    'finetune-epochs': { type: 'string', default: '30' },
    size: { type: 'string', default: '128' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
  },
});
const out = resolve(opt.out);
const seed = Number(opt.seed);
const size = opt.quick ? 64 : Number(opt.size);
const epochs = opt.quick ? 2 : Number(opt.epochs);
const ftEpochs = opt.quick ? 2 : Number(opt['finetune-epochs']);
const batch = 8;
const CASE_REGEX = BUS_BRA_CASE_REGEX;

// ---- The data: test 30 % of patients; the rest is the transferal set, 10 % of its images also labeled.
function splitData(): {
  transferal: string;
  test: { images: string; masks: string };
  finetune: { images: string; masks: string };
  groundTruth: string;
} {
  const split = busBraSplit(busbra, seed);
  const testSet = new Set(split.test);
  const ftSet = new Set(split.finetune);
  const root = join(out, 'data');
  rmSync(root, { recursive: true, force: true });
  const dirs = {
    transferal: join(root, 'transferal', 'images'),
    groundTruth: join(root, 'transferal', 'masks-withheld'),
    test: { images: join(root, 'test', 'images'), masks: join(root, 'test', 'masks') },
    finetune: { images: join(root, 'finetune', 'images'), masks: join(root, 'finetune', 'masks') },
  };
  for (const d of [
    dirs.transferal,
    dirs.groundTruth,
    ...Object.values(dirs.test),
    ...Object.values(dirs.finetune),
  ])
    mkdirSync(d, { recursive: true });
  for (const id of split.ids) {
    const img = join(busbra, 'images', `${id}.png`);
    const mask = join(busbra, 'masks', `${id}.png`);
    if (testSet.has(id)) {
      copyFileSync(img, join(dirs.test.images, `${id}.png`));
      copyFileSync(mask, join(dirs.test.masks, `${id}.png`));
      continue;
    }
    copyFileSync(img, join(dirs.transferal, `${id}.png`));
    copyFileSync(mask, join(dirs.groundTruth, `${id}.png`));
    if (ftSet.has(id)) {
      copyFileSync(img, join(dirs.finetune.images, `${id}.png`));
      copyFileSync(mask, join(dirs.finetune.masks, `${id}.png`));
    }
  }
  return dirs;
}

const data = splitData();
await initCompute();

function spec(name: string, teachers: string[], extra: Partial<TransferSpecInput> = {}): TransferSpecInput {
  return {
    name,
    teachers: teachers.map((t) => join(teacherDir, `${t}.json`)),
    transferal: { images: data.transferal },
    fusion: { method: teachers.length > 1 ? 'staple' : 'mean', threshold: 0.5 },
    student: {
      arch: 'unet',
      size,
      epochs,
      batchSize: batch,
      learningRate: 2e-3,
      patience: 0,
      valFraction: 0.1,
      augment: true,
    },
    test: data.test,
    caseRegex: CASE_REGEX,
    seed,
    out: join(out, 'runs', name),
    ...extra,
  };
}

async function transfer(s: TransferSpecInput): Promise<TransferSummary> {
  const t0 = Date.now();
  process.stdout.write(`${s.name}: `);
  const r = await runTransfer(parseSpec(s, out, s.name), {
    fresh: opt.fresh,
    onProgress: (p) => {
      if (p.train?.phase === 'checkpoint') process.stdout.write('.');
    },
  });
  console.log(` ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  return r;
}

const dice = (r: TransferSummary, kind: string, source?: string) =>
  r.test!.scores.find((x) => x.kind === kind && (source === undefined || x.source.includes(source)))!.dice;

// (a) + (b): one teacher -> student, then fine-tuned.
const a = await transfer(
  spec('a-fcn-to-unet', ['fcn-busi'], {
    finetune: {
      ...data.finetune,
      epochs: ftEpochs,
      learningRate: 5e-4,
      freezeEncoder: false,
      valFraction: 0.2,
    },
  }),
);
// (b) baseline: the same 10 % from scratch, as many steps as transfer + fine-tuning.
const ktSteps = a.training.epochs * Math.ceil((a.transferal.labeled * 0.9) / batch);
const ftTrain = Math.round(readDirCount(data.finetune.images) * 0.8);
const ftSteps = a.finetune!.epochs * Math.ceil(ftTrain / batch);
const scratchEpochs = Math.ceil((ktSteps + ftSteps) / Math.ceil(ftTrain / batch));
process.stdout.write(`b-finetune-alone (${scratchEpochs} epochs): `);
const scratchDir = join(out, 'runs', 'b-finetune-alone');
if (opt.fresh) rmSync(scratchDir, { recursive: true, force: true });
const scratch = await runTrainingInWorker({
  name: 'finetune-alone',
  data: { kind: 'folders', images: data.finetune.images, masks: data.finetune.masks, caseRegex: CASE_REGEX },
  model: { kind: 'zoo', config: resolveConfig('unet', { size, seed }) },
  options: {
    ...DEFAULT_TRAIN_OPTIONS,
    epochs: scratchEpochs,
    batchSize: batch,
    patience: 0,
    seed,
    augment: DEFAULT_AUGMENT,
  },
  split: { valFraction: 0.2 },
  outDir: scratchDir,
  // A finished run is read back from its checkpoint; a half-finished one continues.
  resume: hasCheckpoint(join(scratchDir, 'checkpoints')),
});
const scratchEval = await evaluateModel(scratch.modelDir, data.test.images, data.test.masks);
console.log(`${(scratch.seconds / 60).toFixed(1)} min`);

// (c) three teachers fused -> student: STAPLE (needs no labels at all), and the mean with its threshold
// calibrated on the 10 % labeled images (the plain mean under-segments: see ../shared/teachers/README.md).
const THREE = ['fcn-busi', 'resunet-busi', 'unet-busi'];
const c = await transfer(spec('c-three-teachers-staple', THREE));
const calibrated = await calibrateThreshold(THREE);
console.log(
  `mean-fusion threshold calibrated on the fine-tuning images: ${calibrated.threshold} (Dice ${calibrated.dice.toFixed(4)} there)`,
);
const meanFusion = { method: 'mean' as const, threshold: calibrated.threshold };
const c2 = await transfer(spec('c-three-teachers-mean-calibrated', THREE, { fusion: meanFusion }));
// ...then with k % of the most uncertain pseudo-labels corrected (on the calibrated-mean pipeline).
const queue = readFileSync(join(c2.out, 'pseudo-labels', 'review-queue.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',')[1]!);
// The control: as many images chosen at random (seeded), to tell what choosing by uncertainty adds.
const shuffled = [...queue].sort();
new Rng(seed + 1000).shuffle(shuffled);
const corrected: Record<string, TransferSummary> = {};
const randomly: Record<string, TransferSummary> = {};
for (const k of [5, 10]) {
  const n = Math.round((queue.length * k) / 100);
  for (const [kind, ids, into] of [
    ['corrected', queue.slice(0, n), corrected],
    ['random', shuffled.slice(0, n), randomly],
  ] as const) {
    const dir = join(out, 'data', `${kind === 'corrected' ? 'corrections' : kind}-${k}pct`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const id of ids) copyFileSync(join(data.groundTruth, `${id}.png`), join(dir, `${id}.png`));
    into[k] = await transfer(
      spec(`c-${kind}-${k}pct`, THREE, {
        fusion: meanFusion,
        transferal: { images: data.transferal, corrections: dir },
      }),
    );
  }
}

/** The mean-fusion threshold (0.20..0.60) with the best Dice on the labeled fine-tuning images. */
async function calibrateThreshold(names: string[]): Promise<{ threshold: number; dice: number }> {
  const teachers = await Promise.all(
    names.map((n) => openTeacher(loadTeacherCard(join(teacherDir, `${n}.json`)))),
  );
  const maps = join(out, 'calibration');
  rmSync(maps, { recursive: true, force: true });
  try {
    await runFolder(teachers, {
      images: data.finetune.images,
      out: join(maps, 'fused'),
      probs: join(maps, 'maps'),
    });
  } finally {
    await Promise.all(teachers.map((t) => t.dispose()));
  }
  const ids = readdirSync(data.finetune.masks).map((f) => f.replace(/\.png$/, ''));
  const cases: { prob: Float32Array; gt: Uint8Array }[] = [];
  for (const id of ids) {
    const read = async (file: string) => (await readImageFile(file)).slices[0]!.pixels;
    const ps = await Promise.all(names.map((n) => read(join(maps, 'maps', n, `${id}.png`))));
    const gt = await read(join(data.finetune.masks, `${id}.png`));
    const prob = new Float32Array(gt.length);
    for (const p of ps) for (let i = 0; i < prob.length; i++) prob[i]! += p[i]! / 255 / ps.length;
    cases.push({ prob, gt: Uint8Array.from(gt, (v) => (v ? 1 : 0)) });
  }
  let best = { threshold: 0.5, dice: -1 };
  for (let t = 0.2; t <= 0.6001; t += 0.05) {
    const d = cases.reduce((acc, c) => acc + maskDice(threshold(c.prob, t), c.gt), 0) / cases.length;
    if (d > best.dice + 1e-9) best = { threshold: Number(t.toFixed(2)), dice: d };
  }
  return best;
}

function readDirCount(dir: string): number {
  return readdirSync(dir).length;
}

// ---- The results table.
const f4 = (x: number) => x.toFixed(4);
// Teachers are scored as each run uses them (its threshold and post-processing): at 0.5 in (a) and the
// STAPLE run, at the calibrated threshold in the calibrated run, where they are stronger too.
const teachersOf = (r: TransferSummary) => r.test!.scores.filter((x) => x.kind === 'teacher');
const teachersC = teachersOf(c);
const bestTeacher = Math.max(...teachersC.map((x) => x.dice));
const teachersC2 = teachersOf(c2);
const bestTeacher2 = Math.max(...teachersC2.map((x) => x.dice));
const rows: [string, string, string][] = [
  ['(a) teacher fcn-busi', f4(dice(a, 'teacher')), ''],
  [
    '(a) student U-Net from fcn-busi',
    f4(dice(a, 'student', 'before')),
    `${(dice(a, 'student', 'before') - dice(a, 'teacher')).toFixed(4)} vs teacher (target >= -0.02)`,
  ],
  [
    '(b) student + fine-tuning on 10 %',
    f4(dice(a, 'student', 'fine-tuned')),
    `${(dice(a, 'student', 'fine-tuned') - scratchEval.summary.dice_mean).toFixed(4)} vs fine-tuning alone (target > 0)`,
  ],
  ['(b) fine-tuning alone (U-Net from scratch, same steps)', f4(scratchEval.summary.dice_mean), ''],
  ...teachersC.map((x): [string, string, string] => [
    `(c) teacher ${x.source} (threshold 0.5)`,
    f4(x.dice),
    '',
  ]),
  ['(c) fused label, STAPLE (no labels used)', f4(dice(c, 'fused')), ''],
  [
    '(c) student U-Net from the STAPLE labels',
    f4(dice(c, 'student')),
    `${(dice(c, 'student') - bestTeacher).toFixed(4)} vs best teacher at the same threshold (target > 0)`,
  ],
  ...teachersC2.map((x): [string, string, string] => [
    `(c) teacher ${x.source} (threshold ${calibrated.threshold})`,
    f4(x.dice),
    '',
  ]),
  [
    `(c) fused label, mean at threshold ${calibrated.threshold} (calibrated on the 10 %)`,
    f4(dice(c2, 'fused')),
    '',
  ],
  [
    '(c) student U-Net from the calibrated-mean labels',
    f4(dice(c2, 'student')),
    `${(dice(c2, 'student') - bestTeacher2).toFixed(4)} vs best teacher at the same threshold (target > 0)`,
  ],
  ...[5, 10].map((k): [string, string, string] => [
    `(c) student, ${k} % most uncertain labels corrected (${corrected[k]!.transferal.corrected} images)`,
    f4(dice(corrected[k]!, 'student')),
    `${(dice(corrected[k]!, 'student') - dice(c2, 'student')).toFixed(4)} vs uncorrected`,
  ]),
  ...[5, 10].map((k): [string, string, string] => [
    `(c) control: ${k} % random labels corrected (${randomly[k]!.transferal.corrected} images)`,
    f4(dice(randomly[k]!, 'student')),
    `${(dice(randomly[k]!, 'student') - dice(c2, 'student')).toFixed(4)} vs uncorrected`,
  ]),
];
const header = `BUS-BRA test split: ${c.test!.images} images of ${Math.round(400 * 0.3)} patients; transferal ${c.transferal.images} images; fine-tuning ${readDirCount(data.finetune.images)} labeled images. Student U-Net 16-32-64-128 at ${size} px, ${epochs} epochs, seed ${seed}.`;
const md = [
  header,
  '',
  '| run | test Dice | against the target |',
  '|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.md'), md + '\n');
const json = {
  seed,
  size,
  epochs,
  finetuneEpochs: ftEpochs,
  a: summaryOf(a),
  b: {
    finetuneAlone: scratchEval.summary.dice_mean,
    scratchEpochs,
    ktPlusFt: dice(a, 'student', 'fine-tuned'),
  },
  c: summaryOf(c),
  cCalibrated: { threshold: calibrated.threshold, ...summaryOf(c2) },
  corrected: Object.fromEntries(Object.entries(corrected).map(([k, r]) => [k, summaryOf(r)])),
  randomControl: Object.fromEntries(Object.entries(randomly).map(([k, r]) => [k, summaryOf(r)])),
};
writeFileSync(join(out, 'results.json'), JSON.stringify(json, null, 1));
console.log('\n' + md + '\n');
console.log(JSON.stringify(json));

function summaryOf(r: TransferSummary) {
  return {
    scores: r.test!.scores,
    training: r.training,
    finetune: r.finetune,
    corrected: r.transferal.corrected,
  };
}
