/**
 * Thresholds chosen without labels. Teachers in a new domain are mis-calibrated (the BUSI teachers
 * under-segment BUS-BRA: their maps are right about where the lesion is but below 0.5 on much of it), so
 * a fixed 0.5 on the fused map is a guess. Each rule here reads only probability maps:
 *   otsu        the threshold that best separates a map's values into two classes (Otsu 1979)
 *   fraction    the threshold that makes a given fraction of the pixels foreground (for example the
 *               median or the largest of the teachers' own foreground fractions on that image)
 *   hysteresis  seeds where the map is confident (> high), grown through the pixels above a lower
 *               threshold that touch them (Canny's rule): a lesion's rim that the teachers doubt joins the
 *               core they agree on, while an isolated doubtful blob does not
 */
import { labelComponents } from '../../../shared/masks/morphology.js';

/**
 * Otsu's threshold on a probability map (values in [0, 1], `bins` histogram bins): the t maximizing the
 * between-class variance of {p <= t} and {p > t}. A map with a single value returns 0.5.
 */
export function otsuThreshold(prob: ArrayLike<number>, bins = 256): number {
  if (prob.length === 0) throw new RangeError('otsuThreshold: empty map');
  const hist = new Float64Array(bins);
  for (let i = 0; i < prob.length; i++) {
    const v = prob[i]!;
    const b = v >= 1 ? bins - 1 : v > 0 ? Math.floor(v * bins) : 0;
    hist[b] = hist[b]! + 1;
  }
  const n = prob.length;
  let total = 0;
  for (let b = 0; b < bins; b++) total += (b + 0.5) * hist[b]!;
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let bestBin = -1;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b]!;
    sum0 += (b + 0.5) * hist[b]!;
    const w1 = n - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0;
    const m1 = (total - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > best) {
      best = between;
      bestBin = b;
    }
  }
  // The class boundary is the upper edge of the last background bin (p > t is foreground).
  return bestBin < 0 ? 0.5 : (bestBin + 1) / bins - 1e-9;
}

/** Fraction of pixels with p > t. */
export function foregroundFraction(prob: ArrayLike<number>, t = 0.5): number {
  if (prob.length === 0) return 0;
  let c = 0;
  for (let i = 0; i < prob.length; i++) if (prob[i]! > t) c++;
  return c / prob.length;
}

/**
 * The threshold t for which about `fraction` of the pixels have p > t: the value of the
 * (fraction x n)-th largest pixel, minus a hair so that pixel is included. fraction 0 gives 1 (nothing).
 * Ties at that value are all included, so the fraction reached can be larger.
 */
export function thresholdForFraction(prob: ArrayLike<number>, fraction: number): number {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be in [0, 1], got ${fraction}`);
  const k = Math.round(fraction * prob.length);
  if (k === 0) return 1;
  const sorted = Float32Array.from(prob).sort();
  const v = sorted[prob.length - k]!;
  return Math.max(0, v - 1e-6);
}

/** The median (how = 'median') or the largest ('max') of the teachers' own foreground fractions at 0.5. */
export function teachersForegroundFraction(maps: readonly Float32Array[], how: 'median' | 'max'): number {
  if (maps.length === 0) throw new RangeError('teachersForegroundFraction needs at least one map');
  const f = maps.map((m) => foregroundFraction(m, 0.5)).sort((a, b) => a - b);
  if (how === 'max') return f[f.length - 1]!;
  const mid = f.length >> 1;
  return f.length % 2 ? f[mid]! : (f[mid - 1]! + f[mid]!) / 2;
}

/**
 * The 8-connected components of `region` (0/1) that hold at least one pixel of `seeds` (0/1); seeds
 * outside the region do not count.
 */
export function growFromSeeds(seeds: Uint8Array, region: Uint8Array, rows: number, cols: number): Uint8Array {
  if (seeds.length !== rows * cols || region.length !== rows * cols)
    throw new RangeError(
      `growFromSeeds: masks of ${seeds.length} and ${region.length} pixels for ${rows}x${cols}`,
    );
  const { labels, sizes } = labelComponents(region, rows, cols, 1, 8);
  const seeded = new Uint8Array(sizes.length);
  for (let i = 0; i < seeds.length; i++) if (seeds[i]) seeded[labels[i]!] = 1;
  const out = new Uint8Array(region.length);
  for (let i = 0; i < out.length; i++) out[i] = labels[i] !== 0 && seeded[labels[i]!] ? 1 : 0;
  return out;
}

/** Hysteresis: the 8-connected components of {p > low} that hold at least one pixel with p > high. */
export function hysteresisMask(
  prob: ArrayLike<number>,
  rows: number,
  cols: number,
  high: number,
  low: number,
): Uint8Array {
  if (prob.length !== rows * cols)
    throw new RangeError(`hysteresisMask: ${prob.length} pixels for ${rows}x${cols}`);
  if (!(low <= high)) throw new RangeError(`hysteresisMask: low (${low}) must be <= high (${high})`);
  const seeds = new Uint8Array(prob.length);
  const region = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) {
    seeds[i] = prob[i]! > high ? 1 : 0;
    region[i] = prob[i]! > low ? 1 : 0;
  }
  return growFromSeeds(seeds, region, rows, cols);
}
