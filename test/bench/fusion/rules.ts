/**
 * The label-free fusion rules a study scores, and the scoring. A rule may look at the teachers' maps of
 * the transferal set (through SetStats) and of the image being labeled, never at a label. Scores are the
 * mean Dice over images (the project's convention) on the test split and on the transferal set's withheld
 * masks ("dev", the only column a study may choose by).
 */
import { fuse } from '../../../electron/teachers/fusion.js';
import {
  agreementScores,
  meanAgreement,
  mostAgreeingTeacher,
  weightsFromAgreement,
} from '../../../electron/teachers/label-free/agreement-weights.js';
import {
  binaryStaplePosterior,
  fitBinaryStaple,
  fitSoftStaple,
  softStaple,
  softStaplePosterior,
  type SoftStapleParams,
  type StapleParams,
} from '../../../electron/teachers/label-free/staple-soft.js';
import {
  growFromSeeds,
  hysteresisMask,
  otsuThreshold,
  teachersForegroundFraction,
  thresholdForFraction,
} from '../../../electron/teachers/label-free/thresholds.js';
import { dice, threshold } from '../../../electron/engine/metrics/index.js';
import { postProcess } from '../../../shared/masks/morphology.js';
import type { ImageMaps, MapSet } from './map-cache.js';

/** What a rule may know beyond the image itself: statistics of the TRANSFERAL set's maps (no label). */
export interface SetStats {
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

export function setStats(images: readonly ImageMaps[], set: MapSet): SetStats {
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

/** One image's teachers' maps (one map set) and the set's statistics. */
export interface RuleInput {
  maps: Float32Array[];
  rows: number;
  cols: number;
  set: MapSet;
  stats: SetStats;
}
/** A rule gives a 0/1 mask of one image. */
export interface Rule {
  name: string;
  /** A single teacher's own mask (reported, not a fusion candidate). */
  teacher?: boolean;
  mask(x: RuleInput): Uint8Array;
}

const at = (p: Float32Array, t: number) => threshold(p, t);
const argmax = (v: readonly number[]) => v.reduce((best, x, k) => (x > v[best]! ? k : best), 0);
/** A per-image soft-STAPLE fit on every 2nd pixel to 1e-5: the posterior is on every pixel (keeps the study fast). */
const PER_IMAGE_FIT = { stride: 2, tolerance: 1e-5, maxIterations: 50 };

/** Each teacher's own mask at 0.5, then every fusion rule, in the order of the study's table. */
export function fusionRules(teachers: readonly string[]): Rule[] {
  return [
    ...teachers.map((t, k): Rule => ({
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
      mask: (x) =>
        fuse(x.maps, { method: 'weighted', weights: weightsFromAgreement(x.stats.agreement) }).mask,
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
}

/** The post-processing the "+ post" columns apply: largest component kept, holes filled. */
export const POST = { largestComponent: true, fillHoles: true } as const;

/** A rule's mask of one image (post-processed when asked). */
export function ruleMask(rule: Rule, im: ImageMaps, set: MapSet, stats: SetStats, post = false): Uint8Array {
  const mask = rule.mask({ maps: im[set], rows: im.rows, cols: im.cols, set, stats });
  return post ? postProcess(mask, im.rows, im.cols, POST) : mask;
}

export interface Score {
  rule: string;
  set: MapSet;
  teacher: boolean;
  dev: number;
  test: number;
  devPost: number;
  testPost: number;
}

/** Every rule on both map sets, raw and post-processed, on dev and test. */
export function scoreRules(
  rules: readonly Rule[],
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
          const mask = ruleMask(rule, im, set, stats[set]);
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

/** A fused rule's score, with or without post-processing (the table's two column pairs). */
export interface FusedChoice {
  s: Score;
  post: boolean;
  dev: number;
  test: number;
}

/**
 * What a study reads off its scores, choosing on the DEV columns only (the test split chooses nothing):
 * the fused rule (with or without post-processing) with the best dev Dice, the teacher with the best dev
 * Dice on plain maps, and mean @0.5 on plain maps (the old default).
 */
export function choicesOnDev(scores: readonly Score[]): {
  pick: FusedChoice;
  bestTeacher: Score;
  meanPlain: Score;
} {
  const fused = scores.flatMap((s): FusedChoice[] =>
    s.teacher
      ? []
      : [
          { s, post: false, dev: s.dev, test: s.test },
          { s, post: true, dev: s.devPost, test: s.testPost },
        ],
  );
  return {
    pick: fused.reduce((a, b) => (b.dev > a.dev ? b : a)),
    bestTeacher: scores
      .filter((s) => s.teacher && s.set === 'plain')
      .reduce((a, b) => (b.dev > a.dev ? b : a)),
    meanPlain: scores.find((s) => s.rule === 'mean @0.5' && s.set === 'plain')!,
  };
}

/** A rule as the reports name it: its maps and whether it was post-processed. */
export const choiceLabel = (x: { s: Score; post: boolean }): string =>
  `${x.s.rule} (${x.s.set === 'tta' ? 'TTA maps' : 'plain maps'}${x.post ? ', largest component + holes filled' : ''})`;
