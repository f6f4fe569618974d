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
 * The machinery (map cache, rules and scoring, students) is in test/bench/fusion/, shared with bench:pairing.
 * Cite Gomez-Flores et al., Med. Phys. 2023 (BUS-BRA) and Al-Dhabyani et al. 2020 (BUSI) with any figure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUS_BRA_CASE_REGEX, busBraSplit } from './busbra-split.js';
import { cacheAllMaps, loadImages, type MapSet, type StudyData } from './fusion/map-cache.js';
import { choiceLabel, choicesOnDev, fusionRules, ruleMask, scoreRules, setStats } from './fusion/rules.js';
import { initStudentCompute, trainStudent, writeStudentData, type StudentResult } from './fusion/students.js';

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

const data: StudyData = {
  out,
  teachers: TEACHERS,
  teacherCard: (t) => join(teacherDir, `${t}.json`),
  imagePath: (id) => join(busbra, 'images', `${id}.png`),
  maskPath: (id) => join(busbra, 'masks', `${id}.png`),
  threads: Number(opt.threads),
};

const split = splitIds();
const allIds = [...split.transferal, ...split.test].sort();
console.log(`split: ${split.test.length} test images, ${split.transferal.length} transferal images`);
await cacheAllMaps(data, allIds);
if (opt['cache-only']) process.exit(0);

const rules = fusionRules(TEACHERS);

const t0 = Date.now();
const transferal = await loadImages(data, split.transferal);
const test = await loadImages(data, split.test);
console.log(`maps loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const stats = { plain: setStats(transferal, 'plain'), tta: setStats(transferal, 'tta') };
const scores = scoreRules(rules, transferal, test, stats);
console.log(`rules scored in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// ---- The report. The recommended rule is the fused rule with the best DEV (transferal) Dice.
const f4 = (x: number) => x.toFixed(4);
const { pick, bestTeacher, meanPlain } = choicesOnDev(scores);
const label = choiceLabel;
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
  await initStudentCompute();
  const dirs = writeStudentData(out, split, data.imagePath, data.maskPath);
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
  const students: ({ labels: string } & StudentResult)[] = [];
  const only = opt.only?.split(',');
  for (const c of candidates.filter((c) => !only || only.includes(c.slug))) {
    const r = await trainStudent({
      out,
      data: dirs,
      slug: c.slug,
      name: `student-${c.slug}${trainSeed === seed ? '' : `-seed${trainSeed}`}`,
      description: c.rule.name === pick.s.rule ? label(pick) : c.rule.name,
      images: [...transferal, ...test],
      mask: (im) => ruleMask(c.rule, im, c.set, stats[c.set], c.post),
      size: Number(opt.size),
      epochs: Number(opt.epochs),
      caseRegex: CASE_REGEX,
      seed: trainSeed,
    });
    students.push({
      labels: c.slug === 'picked' ? label(pick) : `${c.rule.name} (plain maps)`,
      fusedTest: r.fusedTest,
      student: r.student,
      minutes: r.minutes,
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
