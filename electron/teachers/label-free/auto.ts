/**
 * The label-free fusion that won the study (`npm run bench:fusion`, test/bench/fusion-study.ts), as one
 * function for a `fusion: auto` default:
 *   1. each teacher's map is the mean of its test-time-augmentation views (tta.ts), when the caller ran them;
 *   2. the maps are averaged with per-teacher weights from their agreement with the others over the whole
 *      transferal set (agreement-weights.ts; estimateAutoWeights);
 *   3. the fused map is cut at its own Otsu threshold, image by image (thresholds.ts), because teachers in
 *      a new domain are mis-calibrated and 0.5 is a guess (the BUSI teachers under-segment BUS-BRA).
 * Two guards that the study's data (a lesion in every image) cannot justify by itself: the Otsu
 * threshold is never below a floor (on a map near 0 everywhere, Otsu would split the noise), and an image
 * whose fused map never reaches a peak value is empty (no teacher sees anything there). Their defaults
 * (floor 0.05, peak 0.1) were chosen among (0.1, 0.2), (0.05, 0.1) and none on the transferal set's
 * withheld masks (dev Dice 0.708 / 0.721 / 0.723), never on the test split: they cost 0.002 Dice there
 * and keep an empty image empty.
 */
import { fuse } from '../fusion.js';
import { agreementScores, meanAgreement, weightsFromAgreement } from './agreement-weights.js';
import { otsuThreshold } from './thresholds.js';

export interface AutoGuards {
  /** Lowest threshold auto fusion uses. */
  minThreshold: number;
  /** An image whose fused map stays at or below this is background. */
  minPeak: number;
}

export const DEFAULT_AUTO_GUARDS: AutoGuards = { minThreshold: 0.05, minPeak: 0.1 };

export interface AutoFused {
  prob: Float32Array;
  mask: Uint8Array;
  /** The threshold used on this image (Otsu's, raised to the floor), or null for an empty image. */
  threshold: number | null;
}

/**
 * Per-teacher weights (summing to 1) from agreement over a set of images, each given as its teachers'
 * maps (the transferal set: no label is read).
 */
export function estimateAutoWeights(images: readonly (readonly Float32Array[])[]): number[] {
  return weightsFromAgreement(meanAgreement(images.map((maps) => agreementScores(maps))));
}

/** One image's label from its teachers' maps (same grid) and the set's weights. */
export function autoFuse(
  maps: readonly Float32Array[],
  weights: readonly number[],
  guards: AutoGuards = DEFAULT_AUTO_GUARDS,
): AutoFused {
  const { prob } = fuse(maps, { method: 'weighted', weights });
  let peak = 0;
  for (let i = 0; i < prob.length; i++) if (prob[i]! > peak) peak = prob[i]!;
  if (peak <= guards.minPeak) return { prob, mask: new Uint8Array(prob.length), threshold: null };
  const t = Math.max(guards.minThreshold, otsuThreshold(prob));
  const mask = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) mask[i] = prob[i]! > t ? 1 : 0;
  return { prob, mask, threshold: t };
}
