/**
 * npm run bench:fusion [-- --out DIR --seed 1 --train-seed 1 --threads 2 --cache-only --student --only picked,mean-0.5,best-teacher --epochs 20 --size 128]
 *
 * Which label-free way of fusing several teachers gives the best pseudo-label on a domain none of them
 * was trained on? The three ONNX teachers of ../shared/teachers (trained on BUSI) on
 * ../shared/data/bus-bra with the split of `npm run bench:transfer` (by patient: 30 % of the patients are
 * the test set, the rest the transferal set; the same seed gives the same split).
 *
 * 1. Each teacher runs ONCE per test-time-augmentation view (identity, flip, zoom out 0.85, zoom in 1.15)
 *    over every image, through the product's own runner (openTeacher + TeacherRunner.predict, as
 *    `apprentice infer` and the transfer run them); its answers are cached, quantized to 8 bits as the
 *    product stores probability maps, under OUT/maps/<view>/<teacher>.{bin,json} and reused after.
 * 2. Every fusion rule of electron/teachers/label-free (and electron/teachers/fusion.ts) is then computed
 *    from the cached maps. A rule may look at the teachers' maps of the transferal set and of the image
 *    being labeled, never at a label. It is scored (mean Dice of its mask against the ground truth, the
 *    project's convention) on the TEST split; the transferal set's withheld masks give a second column,
 *    "dev", which is the only one used to pick the recommended rule, so the test column stays honest.
 * 3. --student: two U-Net students through `runTransfer` (the product's trainer, same settings as
 *    bench:transfer), one on the labels of the rule picked on dev, one on mean@0.5 labels, each given as a
 *    folder-of-masks teacher. One seed.
 * Writes OUT/fusion-study.md (and test-results/fusion-study.md), OUT/fusion-study.json; prints the table.
 * Cite Gomez-Flores et al., Med. Phys. 2023 (BUS-BRA) and Al-Dhabyani et al. 2020 (BUSI) with any figure.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUS_BRA_CASE_REGEX, busBraSplit } from './busbra-split.js';
import { quantizeProbabilities } from '../../electron/store/mask-codec.js';
import { loadTeacherCard } from '../../electron/teachers/card.js';
import { readBinaryMask, to255 } from '../../electron/teachers/folder-run.js';
import { writeGreyPng } from '../../electron/teachers/png.js';
import type { TransferSpecInput } from '../../shared/transfer.js';
import { readTeacherImages } from '../../electron/teachers/images.js';
import { postProcess } from '../../shared/masks/morphology.js';
import { fuse } from '../../electron/teachers/fusion.js';
import {
  agreementScores,
  meanAgreement,
  mostAgreeingTeacher,
  weightsFromAgreement,
} from '../../electron/teachers/label-free/agreement-weights.js';
import {
  binaryStaplePosterior,
  fitBinaryStaple,
  fitSoftStaple,
  softStaple,
  softStaplePosterior,
  type SoftStapleParams,
  type StapleParams,
} from '../../electron/teachers/label-free/staple-soft.js';
import {
  growFromSeeds,
  hysteresisMask,
  otsuThreshold,
  teachersForegroundFraction,
  thresholdForFraction,
} from '../../electron/teachers/label-free/thresholds.js';
import {
  averageViews,
  DEFAULT_TTA_VIEWS,
  unviewMap,
  viewImage,
  viewName,
  type TtaView,
} from '../../electron/teachers/label-free/tta.js';
import { dice, threshold } from '../../electron/teachers/metrics.js';
import { openTeacher } from '../../electron/teachers/open.js';
import type { TeacherImage } from '../../electron/teachers/preprocess.js';

const repo = resolve(import.meta.dirname, '..', '..');
const shared = resolve(repo, '..', 'shared');
const busbra = join(shared, 'data', 'bus-bra');
const teacherDir = join(shared, 'teachers');
const TEACHERS = ['fcn-busi', 'resunet-busi', 'unet-busi'] as const;
const CASE_REGEX = BUS_BRA_CASE_REGEX;

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: join(repo, 'test-results', 'fusion-study') },
    seed: { type: 'string', default: '1' },
    /** Seeds the students' initialisation, shuffling and augmentation; the split stays that of --seed. */
    'train-seed': { type: 'string' },
    /** With --student: only these label sets (comma-separated: picked, mean-0.5, best-teacher). */
    only: { type: 'string' },
    threads: { type: 'string', default: '2' },
    'cache-only': { type: 'boolean', default: false },
    student: { type: 'boolean', default: false },
    epochs: { type: 'string', default: '20' },
    size: { type: 'string', default: '128' },
  },
});
const out = resolve(opt.out);
const seed = Number(opt.seed);
const trainSeed = Number(opt['train-seed'] ?? opt.seed);

// ---- The split of bench:transfer (transfer-experiments.ts splitData): the same cases, the same shuffle.
interface Split {
  test: string[];
  transferal: string[];
}
function splitIds(): Split {
  const split = busBraSplit(busbra, seed);
  return { test: [...split.test].sort(), transferal: [...split.transferal].sort() };
}

// ---- The cache: one teacher's answers under one view, for every image, on the viewed grid, 8-bit.
interface CachedMaps {
  /** id -> [byte offset, rows, cols] of the viewed grid. */
  index: Record<string, [number, number, number]>;
  bytes: Uint8Array;
}
const cacheBase = (view: TtaView, teacher: string) => join(out, 'maps', viewName(view), teacher);

async function cacheTeacherView(teacher: string, view: TtaView, ids: readonly string[]): Promise<void> {
  const base = cacheBase(view, teacher);
  if (existsSync(`${base}.json`)) return;
  mkdirSync(join(out, 'maps', viewName(view)), { recursive: true });
  const runner = await openTeacher(loadTeacherCard(join(teacherDir, `${teacher}.json`)), {
    threads: Number(opt.threads),
  });
  const t0 = Date.now();
  const parts: Uint8Array[] = [];
  const index: CachedMaps['index'] = {};
  let offset = 0;
  try {
    const chunk = Math.max(8, runner.batchSize);
    for (let s = 0; s < ids.length; s += chunk) {
      const images: TeacherImage[] = [];
      for (const id of ids.slice(s, s + chunk))
        images.push(viewImage((await readTeacherImages(join(busbra, 'images', `${id}.png`)))[0]!, view));
      const results = await runner.predict(images);
      results.forEach((r, k) => {
        const img = images[k]!;
        if (!r.ok)
          throw new Error(`${teacher} (${viewName(view)}) failed on ${img.name}: ${r.error.message}`);
        const q = quantizeProbabilities(r.prob);
        parts.push(q);
        index[img.name] = [offset, img.rows, img.cols];
        offset += q.length;
      });
    }
  } finally {
    await runner.dispose();
  }
  const bytes = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  writeFileSync(`${base}.bin`, bytes);
  // The index is written last (atomically): its presence marks a complete cache entry.
  writeFileSync(`${base}.json.tmp`, JSON.stringify(index));
  renameSync(`${base}.json.tmp`, `${base}.json`);
  console.log(
    `cached ${teacher} ${viewName(view)}: ${ids.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}

function loadCache(teacher: string, view: TtaView): CachedMaps {
  const base = cacheBase(view, teacher);
  return {
    index: JSON.parse(readFileSync(`${base}.json`, 'utf8')) as CachedMaps['index'],
    bytes: new Uint8Array(readFileSync(`${base}.bin`)),
  };
}

/** A teacher's map of one image under one view, back on the image's grid (NaN where the view did not see). */
function cachedMap(c: CachedMaps, id: string, view: TtaView, rows: number, cols: number): Float32Array {
  const [offset, r, cl] = c.index[id]!;
  const q = c.bytes.subarray(offset, offset + r * cl);
  const p = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) p[i] = q[i]! / 255;
  return unviewMap(p, view, rows, cols);
}

const split = splitIds();
const allIds = [...split.transferal, ...split.test].sort();
console.log(`split: ${split.test.length} test images, ${split.transferal.length} transferal images`);
for (const view of DEFAULT_TTA_VIEWS) for (const t of TEACHERS) await cacheTeacherView(t, view, allIds);
if (opt['cache-only']) process.exit(0);

// ---- Every image's maps on its own grid: each teacher as it is (plain) and averaged over the views (tta).
interface ImageMaps {
  id: string;
  rows: number;
  cols: number;
  plain: Float32Array[];
  tta: Float32Array[];
  gt: Uint8Array;
}
type MapSet = 'plain' | 'tta';

async function loadImages(ids: readonly string[]): Promise<ImageMaps[]> {
  const caches = TEACHERS.map((t) => DEFAULT_TTA_VIEWS.map((v) => loadCache(t, v)));
  const images: ImageMaps[] = [];
  for (const id of ids) {
    const [, rows, cols] = caches[0]![0]!.index[id]!;
    const views = caches.map((perView) =>
      perView.map((c, j) => cachedMap(c, id, DEFAULT_TTA_VIEWS[j]!, rows, cols)),
    );
    images.push({
      id,
      rows,
      cols,
      plain: views.map((v) => v[0]!),
      tta: views.map((v) => averageViews(v)),
      gt: await readBinaryMask(join(busbra, 'masks', `${id}.png`), rows, cols, id),
    });
  }
  return images;
}

// ---- What a rule may know beyond the image itself: statistics of the TRANSFERAL set's maps (no label).
interface SetStats {
  /** Per teacher, its mean agreement with the others over the transferal images. */
  agreement: number[];
  stapleBinary: StapleParams;
  stapleSoft: SoftStapleParams;
  /** One threshold for the mean map: the transferal set's mean-map foreground matches the union's. */
  meanThresholdForUnionSize: number;
}

const binarize = (m: Float32Array) => Float32Array.from(m, (v) => (v > 0.5 ? 1 : 0));
const meanMap = (maps: readonly Float32Array[]) => fuse(maps, { method: 'mean' }).prob;
function maxMap(maps: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(maps[0]!.length);
  for (const m of maps) for (let i = 0; i < out.length; i++) if (m[i]! > out[i]!) out[i] = m[i]!;
  return out;
}

function setStats(images: readonly ImageMaps[], set: MapSet): SetStats {
  const maps = images.map((im) => im[set]);
  // Pooled over the set (every 4th pixel): the mean map's threshold whose foreground fraction equals the
  // mean fraction of the union of the teachers' masks.
  const pooled: number[] = [];
  let unionFraction = 0;
  for (const m of maps) {
    const mean = meanMap(m);
    for (let i = 0; i < mean.length; i += 4) pooled.push(mean[i]!);
    unionFraction += teachersForegroundFraction(m, 'max') / maps.length;
  }
  return {
    agreement: meanAgreement(maps.map((m) => agreementScores(m))),
    stapleBinary: fitBinaryStaple(
      maps.map((m) => m.map(binarize)),
      { stride: 2 },
    ),
    stapleSoft: fitSoftStaple(maps, { stride: 2 }),
    meanThresholdForUnionSize: thresholdForFraction(pooled, unionFraction),
  };
}

// ---- The rules. Each gives a 0/1 mask of one image from its maps (one map set) and the set's statistics.
interface RuleInput {
  maps: Float32Array[];
  rows: number;
  cols: number;
  stats: SetStats;
}
interface Rule {
  name: string;
  /** A single teacher's own mask (reported, not a fusion candidate). */
  teacher?: boolean;
  mask(x: RuleInput): Uint8Array;
}

const at = (p: Float32Array, t: number) => threshold(p, t);
const argmax = (v: readonly number[]) => v.reduce((best, x, k) => (x > v[best]! ? k : best), 0);
/** A per-image soft-STAPLE fit on every 2nd pixel to 1e-5: the posterior is on every pixel (keeps the study fast). */
const PER_IMAGE_FIT = { stride: 2, tolerance: 1e-5, maxIterations: 50 };
const rules: Rule[] = [
  ...TEACHERS.map((t, k): Rule => ({
    name: `teacher ${t} @0.5`,
    teacher: true,
    mask: (x) => at(x.maps[k]!, 0.5),
  })),
  { name: 'mean @0.5', mask: (x) => fuse(x.maps, { method: 'mean' }).mask },
  { name: 'majority vote', mask: (x) => fuse(x.maps, { method: 'vote' }).mask },
  { name: 'any teacher (max @0.5)', mask: (x) => at(maxMap(x.maps), 0.5) },
  { name: 'STAPLE binary, per image', mask: (x) => fuse(x.maps, { method: 'staple' }).mask },
  {
    name: 'STAPLE binary, fitted on transferal',
    mask: (x) => at(binaryStaplePosterior(x.maps.map(binarize), x.stats.stapleBinary), 0.5),
  },
  { name: 'STAPLE soft, per image', mask: (x) => at(softStaple(x.maps, PER_IMAGE_FIT).prob, 0.5) },
  {
    name: 'STAPLE soft, fitted on transferal',
    mask: (x) => at(softStaplePosterior(x.maps, x.stats.stapleSoft), 0.5),
  },
  {
    name: 'weighted by transferal agreement @0.5',
    mask: (x) => fuse(x.maps, { method: 'weighted', weights: weightsFromAgreement(x.stats.agreement) }).mask,
  },
  {
    name: 'weighted by transferal agreement^4 @0.5',
    mask: (x) =>
      fuse(x.maps, { method: 'weighted', weights: weightsFromAgreement(x.stats.agreement, 4) }).mask,
  },
  {
    name: 'weighted by per-image agreement @0.5',
    mask: (x) =>
      fuse(x.maps, { method: 'weighted', weights: weightsFromAgreement(agreementScores(x.maps)) }).mask,
  },
  {
    name: 'per-image most agreeing teacher @0.5',
    mask: (x) => at(x.maps[mostAgreeingTeacher(x.maps)]!, 0.5),
  },
  {
    name: 'mean, Otsu threshold per image',
    mask: (x) => {
      const m = meanMap(x.maps);
      return at(m, otsuThreshold(m));
    },
  },
  {
    name: 'mean, size = median teacher (per image)',
    mask: (x) => {
      const m = meanMap(x.maps);
      return at(m, thresholdForFraction(m, teachersForegroundFraction(x.maps, 'median')));
    },
  },
  {
    name: 'mean, size = largest teacher (per image)',
    mask: (x) => {
      const m = meanMap(x.maps);
      return at(m, thresholdForFraction(m, teachersForegroundFraction(x.maps, 'max')));
    },
  },
  {
    name: 'mean, one threshold: transferal size = union size',
    mask: (x) => at(meanMap(x.maps), x.stats.meanThresholdForUnionSize),
  },
  {
    name: 'mean, hysteresis 0.5 / 0.25',
    mask: (x) => hysteresisMask(meanMap(x.maps), x.rows, x.cols, 0.5, 0.25),
  },
  {
    name: 'union grown from majority seeds',
    mask: (x) =>
      growFromSeeds(fuse(x.maps, { method: 'vote' }).mask, at(maxMap(x.maps), 0.5), x.rows, x.cols),
  },
  {
    name: 'weighted by transferal agreement, Otsu per image',
    mask: (x) => {
      const m = fuse(x.maps, { method: 'weighted', weights: weightsFromAgreement(x.stats.agreement) }).prob;
      return at(m, otsuThreshold(m));
    },
  },
  {
    name: 'weighted by transferal agreement^4, hysteresis 0.5 / 0.25',
    mask: (x) => {
      const m = fuse(x.maps, {
        method: 'weighted',
        weights: weightsFromAgreement(x.stats.agreement, 4),
      }).prob;
      return hysteresisMask(m, x.rows, x.cols, 0.5, 0.25);
    },
  },
  {
    name: "transferal's most agreeing teacher @0.5",
    mask: (x) => at(x.maps[argmax(x.stats.agreement)]!, 0.5),
  },
  {
    name: "transferal's most agreeing teacher, hysteresis 0.5 / 0.25",
    mask: (x) => hysteresisMask(x.maps[argmax(x.stats.agreement)]!, x.rows, x.cols, 0.5, 0.25),
  },
  {
    name: 'STAPLE soft (transferal), Otsu on its posterior',
    mask: (x) => {
      const m = softStaplePosterior(x.maps, x.stats.stapleSoft);
      return at(m, otsuThreshold(m));
    },
  },
];
const POST = { largestComponent: true, fillHoles: true } as const;

// ---- Scoring: mean Dice over images (the project's convention), per rule, map set and post-processing.
interface Score {
  rule: string;
  set: MapSet;
  teacher: boolean;
  dev: number;
  test: number;
  devPost: number;
  testPost: number;
}

function scoreRules(
  dev: readonly ImageMaps[],
  test: readonly ImageMaps[],
  stats: Record<MapSet, SetStats>,
): Score[] {
  const scores: Score[] = [];
  for (const set of ['plain', 'tta'] as const)
    for (const rule of rules) {
      const run = (images: readonly ImageMaps[]) => {
        let raw = 0;
        let post = 0;
        for (const im of images) {
          const mask = rule.mask({ maps: im[set], rows: im.rows, cols: im.cols, stats: stats[set] });
          raw += dice(mask, im.gt);
          post += dice(postProcess(mask, im.rows, im.cols, POST), im.gt);
        }
        return { raw: raw / images.length, post: post / images.length };
      };
      const d = run(dev);
      const t = run(test);
      scores.push({
        rule: rule.name,
        set,
        teacher: rule.teacher === true,
        dev: d.raw,
        test: t.raw,
        devPost: d.post,
        testPost: t.post,
      });
    }
  return scores;
}

const t0 = Date.now();
const transferal = await loadImages(split.transferal);
const test = await loadImages(split.test);
console.log(`maps loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const stats = { plain: setStats(transferal, 'plain'), tta: setStats(transferal, 'tta') };
const scores = scoreRules(transferal, test, stats);
console.log(`rules scored in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// ---- The report. The recommended rule is the fused rule with the best DEV (transferal) Dice.
const f4 = (x: number) => x.toFixed(4);
const fused = scores.flatMap((s) =>
  s.teacher
    ? []
    : [
        { s, post: false, dev: s.dev, test: s.test },
        { s, post: true, dev: s.devPost, test: s.testPost },
      ],
);
const pick = fused.reduce((a, b) => (b.dev > a.dev ? b : a));
const bestTeacher = scores
  .filter((s) => s.teacher && s.set === 'plain')
  .reduce((a, b) => (b.dev > a.dev ? b : a));
const meanPlain = scores.find((s) => s.rule === 'mean @0.5' && s.set === 'plain')!;
const label = (x: { s: Score; post: boolean }) =>
  `${x.s.rule} (${x.s.set === 'tta' ? 'TTA maps' : 'plain maps'}${x.post ? ', largest component + holes filled' : ''})`;
const md = [
  `BUS-BRA split of bench:transfer (seed ${seed}): test ${test.length} images, transferal ${transferal.length} images ` +
    `(its withheld masks are the "dev" columns, used only to pick a rule). Teachers: ${TEACHERS.join(', ')} ` +
    `(trained on BUSI). TTA = mean of the identity, flip, zoom-out 0.85 and zoom-in 1.15 views. ` +
    `Dice = mean over images of the mask's Dice; "+ post" = largest component kept, holes filled.`,
  '',
  '| rule | maps | dev Dice | test Dice | dev + post | test + post |',
  '|---|---|---|---|---|---|',
  ...scores.map(
    (s) => `| ${s.rule} | ${s.set} | ${f4(s.dev)} | ${f4(s.test)} | ${f4(s.devPost)} | ${f4(s.testPost)} |`,
  ),
  '',
  `Best single teacher (by dev): ${bestTeacher.rule}, test ${f4(bestTeacher.test)}.`,
  `Rule picked on dev: ${label(pick)}: dev ${f4(pick.dev)}, test ${f4(pick.test)} ` +
    `(${pick.test - bestTeacher.test >= 0 ? '+' : ''}${f4(pick.test - bestTeacher.test)} vs ${bestTeacher.rule.replace(' @0.5', '')}, ` +
    `${pick.test - meanPlain.test >= 0 ? '+' : ''}${f4(pick.test - meanPlain.test)} vs mean @0.5).`,
  '',
  'Transferal-set statistics the rules used (no label): ' +
    (['plain', 'tta'] as const)
      .map(
        (set) =>
          `${set}: agreement ${stats[set].agreement.map(f4).join(' / ')}; binary STAPLE sensitivity ` +
          `${stats[set].stapleBinary.sensitivity.map(f4).join(' / ')}, specificity ` +
          `${stats[set].stapleBinary.specificity.map(f4).join(' / ')}; soft STAPLE foreground mean ` +
          `${stats[set].stapleSoft.fg.mean.map(f4).join(' / ')}, background mean ` +
          `${stats[set].stapleSoft.bg.mean.map(f4).join(' / ')}; union-size mean threshold ` +
          `${f4(stats[set].meanThresholdForUnionSize)}`,
      )
      .join('; ') +
    ` (teachers in the order ${TEACHERS.join(', ')}).`,
].join('\n');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'fusion-study.md'), md + '\n');
writeFileSync(join(repo, 'test-results', 'fusion-study.md'), md + '\n');
writeFileSync(
  join(out, 'fusion-study.json'),
  JSON.stringify({ seed, stats, scores, pick: label(pick) }, null, 1),
);
console.log('\n' + md + '\n');

// ---- --student: does the label gain carry into a student? One U-Net per label set, one seed.
if (opt.student) {
  // Loaded only here: the compute backend is heavy and the rule study does not need it.
  const { runTransfer } = await import('../../electron/transfer/pipeline.js');
  const { parseSpec } = await import('../../electron/transfer/spec-file.js');
  const { initCompute } = await import('../../electron/engine/backend.js');
  await initCompute();
  const data = join(out, 'data');
  const dirs = {
    transferal: join(data, 'transferal', 'images'),
    testImages: join(data, 'test', 'images'),
    testMasks: join(data, 'test', 'masks'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  for (const id of split.transferal)
    copyFileSync(join(busbra, 'images', `${id}.png`), join(dirs.transferal, `${id}.png`));
  for (const id of split.test) {
    copyFileSync(join(busbra, 'images', `${id}.png`), join(dirs.testImages, `${id}.png`));
    copyFileSync(join(busbra, 'masks', `${id}.png`), join(dirs.testMasks, `${id}.png`));
  }
  const candidates = [
    { slug: 'picked', rule: rules.find((r) => r.name === pick.s.rule)!, set: pick.s.set, post: pick.post },
    {
      slug: 'mean-0.5',
      rule: rules.find((r) => r.name === 'mean @0.5')!,
      set: 'plain' as MapSet,
      post: false,
    },
    // The single-best-teacher student: the teacher with the best dev Dice, its own mask (p > 0.5).
    {
      slug: 'best-teacher',
      rule: rules.find((r) => r.name === bestTeacher.rule)!,
      set: 'plain' as MapSet,
      post: false,
    },
  ];
  const students: { labels: string; fusedTest: number; student: number; minutes: number }[] = [];
  const only = opt.only?.split(',');
  for (const c of candidates.filter((c) => !only || only.includes(c.slug))) {
    // The rule's labels for every image, as a folder-of-masks teacher (the product's own kind).
    const labelDir = join(out, 'labels', c.slug);
    mkdirSync(labelDir, { recursive: true });
    for (const im of [...transferal, ...test]) {
      let mask = c.rule.mask({ maps: im[c.set], rows: im.rows, cols: im.cols, stats: stats[c.set] });
      if (c.post) mask = postProcess(mask, im.rows, im.cols, POST);
      writeGreyPng(join(labelDir, `${im.id}.png`), to255(mask), im.rows, im.cols);
    }
    const card = join(out, 'labels', `${c.slug}.json`);
    writeFileSync(card, JSON.stringify({ name: `labels-${c.slug}`, masks: { dir: c.slug } }));
    const name = `student-${c.slug}${trainSeed === seed ? '' : `-seed${trainSeed}`}`;
    const spec: TransferSpecInput = {
      name,
      teachers: [card],
      transferal: { images: dirs.transferal },
      fusion: { method: 'mean', threshold: 0.5 },
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
      test: { images: dirs.testImages, masks: dirs.testMasks },
      caseRegex: CASE_REGEX,
      seed: trainSeed,
      out: join(out, 'runs', name),
    };
    const t1 = Date.now();
    process.stdout.write(`${name} (${c.rule.name === pick.s.rule ? label(pick) : c.rule.name}): `);
    const r = await runTransfer(parseSpec(spec, out, name), {
      onProgress: (p) => {
        if (p.train?.phase === 'checkpoint') process.stdout.write('.');
      },
    });
    const minutes = (Date.now() - t1) / 60000;
    console.log(` ${minutes.toFixed(1)} min`);
    students.push({
      labels: c.slug === 'picked' ? label(pick) : `${c.rule.name} (plain maps)`,
      fusedTest: r.test!.scores.find((x) => x.kind === 'teacher')!.dice,
      student: r.test!.scores.find((x) => x.kind === 'student')!.dice,
      minutes,
    });
  }
  const smd = [
    '',
    `Students (U-Net 16-32-64-128, ${opt.size} px, ${opt.epochs} epochs, training seed ${trainSeed}, split seed ${seed}), trained by runTransfer on each label set:`,
    '',
    '| labels | label test Dice | student test Dice |',
    '|---|---|---|',
    ...students.map((s) => `| ${s.labels} | ${f4(s.fusedTest)} | ${f4(s.student)} |`),
  ].join('\n');
  const suffix = `${trainSeed === seed ? '' : `-seed${trainSeed}`}${only ? `-${only.join('+')}` : ''}`;
  writeFileSync(join(out, `fusion-study${suffix}.md`), md + '\n' + smd + '\n');
  writeFileSync(join(repo, 'test-results', `fusion-study${suffix}.md`), md + '\n' + smd + '\n');
  writeFileSync(join(out, `students${suffix}.json`), JSON.stringify(students, null, 1));
  console.log(smd);
}
