/**
 * npm run bench:pairing [-- --out DIR --seed 1 --train-seeds 1,2 --threads 2 --cache-only --no-students --only auto,mean-0.5,best-teacher --epochs 20 --size 128]
 *
 * The second pairing of the label-free fusion study (issue 17), the other direction from bench:fusion:
 * teachers trained on BUS-BRA, transferred to BUSI used unlabeled, scored on BUSI's masks.
 *
 * 0. Teachers: three networks of different architectures and training lengths (so they differ in quality,
 *    as real teachers do), trained on all 707 images of ../shared/data/bus-bra at 128 px with the product's
 *    CLI (`apprentice train`, validation split by patient) and exported with it (`apprentice export`:
 *    ONNX + teacher card) to OUT/teachers/<name>/. A teacher whose card is there is not trained again.
 *    Each training has a time cap (--max-minutes), so on a slower machine a teacher may get fewer epochs:
 *    the report lists the epochs each one ran and its validation Dice.
 * 1. BUSI (../shared/data/busi, 780 images) split by image (no patient id is published), seeded: 30 % test,
 *    70 % transferal. "normal" images have empty masks and are kept: they test the empty-image guard.
 * 2. The machinery of bench:fusion (test/bench/fusion/): each teacher under each TTA view over every image
 *    through the product's runner (cached), every label-free rule scored on the test split, with the
 *    transferal set's withheld masks as "dev" (the only column anything is chosen by), plus 'auto', the
 *    product's default fusion, computed with exactly electron/teachers/label-free/auto.ts
 *    (estimateAutoWeights over the transferal set, autoFuse per image, default guards).
 * 3. Students (U-Net 16-32-64-128, 128 px, 20 epochs, the product's runTransfer with a folder-of-masks
 *    teacher, as bench:fusion) on the auto labels (TTA maps), the mean@0.5 labels and the best teacher's
 *    labels (best by dev Dice), each with training seeds 1 and 2 on the same split. A finished student's
 *    result is kept under OUT/students/ and not trained again.
 * Writes test-results/pairing-busi.md and .json; prints the tables.
 * Cite Gomez-Flores et al., Med. Phys. 2023 (BUS-BRA) and Al-Dhabyani et al., Data in Brief 2020 (BUSI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../../electron/students/rng.js';
import {
  autoFuse,
  DEFAULT_AUTO_GUARDS,
  estimateAutoWeights,
} from '../../electron/teachers/label-free/auto.js';
import { dice } from '../../electron/engine/metrics/index.js';
import { BUS_BRA_CASE_REGEX } from './busbra-split.js';
import { cacheAllMaps, loadImages, type ImageMaps, type MapSet, type StudyData } from './fusion/map-cache.js';
import {
  choiceLabel,
  choicesOnDev,
  fusionRules,
  type Rule,
  ruleMask,
  scoreRules,
  setStats,
} from './fusion/rules.js';
import { initStudentCompute, trainStudent, writeStudentData, type StudentResult } from './fusion/students.js';

const repo = resolve(import.meta.dirname, '..', '..');
const shared = resolve(repo, '..', 'shared');
const busbra = join(shared, 'data', 'bus-bra');
const busi = join(shared, 'data', 'busi');
const cli = join(repo, 'electron', 'cli', 'apprentice.mjs');

/** The teachers: architecture, epochs and time cap differ so that their quality differs. */
const TEACHER_RECIPES = [
  { name: 'unet-busbra', arch: 'unet', epochs: 25, maxMinutes: 14 },
  { name: 'deeplab-busbra', arch: 'deeplabv3+', epochs: 8, maxMinutes: 7 },
  { name: 'tiny-busbra', arch: 'unet-tiny', epochs: 4, maxMinutes: 3 },
] as const;
const TEACHERS = TEACHER_RECIPES.map((t) => t.name);

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: join(repo, 'test-results', 'pairing-busi') },
    /** Seeds the BUSI split. */
    seed: { type: 'string', default: '1' },
    /** The students' training seeds (initialisation, shuffling, augmentation); the split stays that of --seed. */
    'train-seeds': { type: 'string', default: '1,2' },
    /** Only these student label sets (comma-separated: auto, mean-0.5, best-teacher). */
    only: { type: 'string' },
    threads: { type: 'string', default: '2' },
    'cache-only': { type: 'boolean', default: false },
    'no-students': { type: 'boolean', default: false },
    epochs: { type: 'string', default: '20' },
    size: { type: 'string', default: '128' },
  },
});
const out = resolve(opt.out);
const seed = Number(opt.seed);
const trainSeeds = opt['train-seeds'].split(',').map(Number);
const teacherCard = (t: string) => join(out, 'teachers', t, `${t}.json`);

// ---- 0. The BUS-BRA teachers, trained and exported by the product's CLI (one after the other).
function runCli(args: string[]): void {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`apprentice ${args[0]} failed (exit ${r.status})`);
}
for (const t of TEACHER_RECIPES) {
  if (existsSync(teacherCard(t.name))) continue;
  const run = join(out, 'train', t.name);
  console.log(`training teacher ${t.name} (${t.arch}, ${t.epochs} epochs, at most ${t.maxMinutes} min)`);
  runCli([
    'train',
    ...['--images', join(busbra, 'images'), '--masks', join(busbra, 'masks'), '--out', run],
    ...['--arch', t.arch, '--size', '128', '--epochs', String(t.epochs), '--seed', '1'],
    ...['--case-regex', BUS_BRA_CASE_REGEX, '--max-minutes', String(t.maxMinutes), '--name', t.name],
  ]);
  runCli(['export', '--student', run, '--out', join(out, 'teachers', t.name), '--name', t.name]);
}

/** What each teacher's own training recorded: epochs run and its best validation Dice on BUS-BRA. */
function teacherTraining(t: string): { epochs: number | null; valDice: number | null } {
  const file = join(out, 'train', t, 'training.json');
  if (!existsSync(file)) return { epochs: null, valDice: null };
  const j = JSON.parse(readFileSync(file, 'utf8')) as {
    result?: { epochsRun?: number; bestValDice?: number };
  };
  return { epochs: j.result?.epochsRun ?? null, valDice: j.result?.bestValDice ?? null };
}

// ---- 1. The BUSI split, by image, seeded.
interface BusiImage {
  id: string;
  cls: string;
}
const manifest: BusiImage[] = readFileSync(join(busi, 'manifest.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const f = l.split(',');
    return { id: f[0]!, cls: f[9]! };
  });
const classOf = new Map(manifest.map((m) => [m.id, m.cls]));
const shuffled = manifest.map((m) => m.id).sort();
new Rng(seed).shuffle(shuffled);
const nTest = Math.round(shuffled.length * 0.3);
const split = { test: shuffled.slice(0, nTest).sort(), transferal: shuffled.slice(nTest).sort() };
const countClasses = (ids: readonly string[]) =>
  ['benign', 'malignant', 'normal']
    .map((c) => `${ids.filter((id) => classOf.get(id) === c).length} ${c}`)
    .join(', ');
console.log(`BUSI split: ${split.test.length} test images, ${split.transferal.length} transferal images`);

// ---- 2. Maps, rules and scores (the bench:fusion machinery).
const data: StudyData = {
  out,
  teachers: TEACHERS,
  teacherCard,
  imagePath: (id) => join(busi, 'images', `${id}.png`),
  maskPath: (id) => join(busi, 'masks', `${id}.png`),
  threads: Number(opt.threads),
};
await cacheAllMaps(data, [...split.transferal, ...split.test].sort());
if (opt['cache-only']) process.exit(0);

const t0 = Date.now();
const transferal = await loadImages(data, split.transferal);
const test = await loadImages(data, split.test);
console.log(`maps loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const stats = { plain: setStats(transferal, 'plain'), tta: setStats(transferal, 'tta') };
// The product's default, with its own functions: weights from the transferal set's maps, autoFuse per image.
const autoWeights: Record<MapSet, number[]> = {
  plain: estimateAutoWeights(transferal.map((im) => im.plain)),
  tta: estimateAutoWeights(transferal.map((im) => im.tta)),
};
const AUTO = 'auto (product default: agreement weights, Otsu per image, guards)';
const autoRule: Rule = { name: AUTO, mask: (x) => autoFuse(x.maps, autoWeights[x.set]).mask };
const rules = [...fusionRules(TEACHERS), autoRule];
const scores = scoreRules(rules, transferal, test, stats);
console.log(`rules scored in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${f4(x)}`;
const score = (rule: string, set: MapSet) => scores.find((s) => s.rule === rule && s.set === set)!;
const { pick, bestTeacher, meanPlain } = choicesOnDev(scores);
const auto = score(AUTO, 'tta');
const label = choiceLabel;

/** The test split's 'normal' images (empty masks): the share a rule leaves empty, as its Dice there is 1 or 0. */
const normals = test.filter((im) => classOf.get(im.id) === 'normal');
const emptyKept = (rule: Rule, set: MapSet) =>
  normals.reduce((s, im) => s + dice(ruleMask(rule, im, set, stats[set]), im.gt), 0) / normals.length;
const ruleNamed = (name: string) => rules.find((r) => r.name === name)!;

const training = Object.fromEntries(TEACHERS.map((t) => [t, teacherTraining(t)]));
const md = [
  `## Second pairing: BUS-BRA teachers -> BUSI (unlabeled)`,
  '',
  `Teachers trained on all 707 images of ../shared/data/bus-bra (128 px, the product's \`apprentice train\`, ` +
    `exported with \`apprentice export\`): ` +
    TEACHER_RECIPES.map(
      (t) =>
        `${t.name} (${t.arch}, ${training[t.name]!.epochs ?? '?'} epochs, BUS-BRA validation Dice ` +
        `${training[t.name]!.valDice === null ? '?' : f4(training[t.name]!.valDice!)})`,
    ).join(', ') +
    `. BUSI split by image (seed ${seed}): test ${test.length} images (${countClasses(split.test)}), ` +
    `transferal ${transferal.length} images (${countClasses(split.transferal)}); the transferal set's withheld ` +
    `masks are the "dev" columns, used only to pick a rule and the best teacher. TTA = mean of the identity, ` +
    `flip, zoom-out 0.85 and zoom-in 1.15 views. Dice = mean over images (an empty mask predicted empty ` +
    `scores 1, anything else 0); "+ post" = largest component kept, holes filled.`,
  '',
  '| rule | maps | dev Dice | test Dice | dev + post | test + post |',
  '|---|---|---|---|---|---|',
  ...scores.map(
    (s) => `| ${s.rule} | ${s.set} | ${f4(s.dev)} | ${f4(s.test)} | ${f4(s.devPost)} | ${f4(s.testPost)} |`,
  ),
  '',
  `Best single teacher (by dev): ${bestTeacher.rule}, test ${f4(bestTeacher.test)}.`,
  `auto (the product's default, TTA maps, guards ${JSON.stringify(DEFAULT_AUTO_GUARDS)}): test ${f4(auto.test)} ` +
    `(${signed(auto.test - bestTeacher.test)} vs the best teacher, ${signed(auto.test - meanPlain.test)} vs mean @0.5); ` +
    `weights ${autoWeights.tta.map(f4).join(' / ')} (teachers in the order ${TEACHERS.join(', ')}).`,
  `Rule picked on dev: ${label(pick)}: dev ${f4(pick.dev)}, test ${f4(pick.test)} ` +
    `(${signed(pick.test - bestTeacher.test)} vs the best teacher).`,
  `Test 'normal' images (${normals.length}, empty masks) left empty: auto ${f4(emptyKept(autoRule, 'tta'))}, ` +
    `mean @0.5 ${f4(emptyKept(ruleNamed('mean @0.5'), 'plain'))}, best teacher ` +
    `${f4(emptyKept(ruleNamed(bestTeacher.rule), 'plain'))}, mean with Otsu and no guard ` +
    `${f4(emptyKept(ruleNamed('mean, Otsu threshold per image'), 'tta'))} (TTA).`,
].join('\n');
console.log('\n' + md + '\n');

// ---- 3. Students on three label sets, two training seeds.
interface StudentRow extends StudentResult {
  slug: string;
  labels: string;
  trainSeed: number;
}
const students: StudentRow[] = [];

/** Writes test-results/pairing-busi.md and .json with the students finished so far. */
function writeReport(): void {
  const slugs = [...new Set(students.map((s) => s.slug))];
  const studentOf = (slug: string, s: number) => students.find((x) => x.slug === slug && x.trainSeed === s);
  const smd =
    students.length === 0
      ? ''
      : [
          '',
          `Students (U-Net 16-32-64-128, ${opt.size} px, ${opt.epochs} epochs, runTransfer with the labels as a ` +
            `folder-of-masks teacher; training seeds ${trainSeeds.join(' and ')}, split seed ${seed}), on BUSI's test split:`,
          '',
          `| labels | label test Dice | ${trainSeeds.map((s) => `student seed ${s}`).join(' | ')} | student mean | minutes |`,
          `|---|---|${trainSeeds.map(() => '---|').join('')}---|---|`,
          ...slugs.map((slug) => {
            const rows = trainSeeds.map((s) => studentOf(slug, s));
            const got = rows.filter((r): r is StudentRow => r !== undefined);
            const mean = got.reduce((a, r) => a + r.student, 0) / got.length;
            return (
              `| ${got[0]!.labels} | ${f4(got[0]!.fusedTest)} | ${rows.map((r) => (r ? f4(r.student) : '-')).join(' | ')} ` +
              `| ${f4(mean)} | ${got.map((r) => r.minutes.toFixed(1)).join(' / ')} |`
            );
          }),
        ].join('\n');
  mkdirSync(join(repo, 'test-results'), { recursive: true });
  writeFileSync(join(repo, 'test-results', 'pairing-busi.md'), md + '\n' + smd + '\n');
  writeFileSync(
    join(repo, 'test-results', 'pairing-busi.json'),
    JSON.stringify(
      {
        seed,
        trainSeeds,
        teachers: TEACHER_RECIPES.map((t) => ({ ...t, ...training[t.name] })),
        split: { test: split.test, transferal: split.transferal },
        autoWeights,
        stats,
        scores,
        bestTeacher: bestTeacher.rule,
        pick: label(pick),
        students,
      },
      null,
      1,
    ),
  );
}
writeReport();

if (!opt['no-students']) {
  await initStudentCompute();
  const dirs = writeStudentData(out, split, data.imagePath, data.maskPath);
  interface Candidate {
    slug: string;
    rule: Rule;
    set: MapSet;
    labels: string;
  }
  const autoLabels: Candidate = { slug: 'auto', rule: autoRule, set: 'tta', labels: `${AUTO} (TTA maps)` };
  const meanLabels: Candidate = {
    slug: 'mean-0.5',
    rule: ruleNamed('mean @0.5'),
    set: 'plain',
    labels: 'mean @0.5 (plain maps)',
  };
  // The single-best-teacher student: the teacher with the best dev Dice, its own mask (p > 0.5).
  const bestLabels: Candidate = {
    slug: 'best-teacher',
    rule: ruleNamed(bestTeacher.rule),
    set: 'plain',
    labels: `${bestTeacher.rule} (plain maps)`,
  };
  const only = opt.only?.split(',');
  const images: ImageMaps[] = [...transferal, ...test];
  mkdirSync(join(out, 'students'), { recursive: true });
  // auto and the best teacher, the comparison that matters, with every seed first; mean@0.5 after.
  const jobs = [
    ...trainSeeds.flatMap((s) => [autoLabels, bestLabels].map((c) => ({ c, s }))),
    ...trainSeeds.map((s) => ({ c: meanLabels, s })),
  ];
  for (const { c, s: trainSeed } of jobs)
    if (!only || only.includes(c.slug)) {
      const name = `student-${c.slug}-seed${trainSeed}`;
      const done = join(out, 'students', `${name}.json`);
      let r: StudentResult;
      if (existsSync(done)) r = JSON.parse(readFileSync(done, 'utf8')) as StudentResult;
      else {
        r = await trainStudent({
          out,
          data: dirs,
          slug: c.slug,
          name,
          description: c.labels,
          images,
          mask: (im) => ruleMask(c.rule, im, c.set, stats[c.set]),
          size: Number(opt.size),
          epochs: Number(opt.epochs),
          seed: trainSeed,
        });
        writeFileSync(done, JSON.stringify(r, null, 1));
      }
      students.push({ slug: c.slug, labels: c.labels, trainSeed, ...r });
      writeReport();
    }
}

if (students.length > 0)
  console.log(readFileSync(join(repo, 'test-results', 'pairing-busi.md'), 'utf8').slice(md.length));
