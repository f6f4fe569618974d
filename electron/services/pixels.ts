/** Stored slices as numbers: default display windows (value ranges are io/stats.ts' rangeOf). */
import type { ImagePixels } from '../../shared/dto.js';

/**
 * A robust default window: the 0.5th-99.5th percentile of a sample of the pixels, so a few extreme
 * values (metal, padding) do not wash the image out. Colour images show their full 0-255 range.
 */
export function defaultWindow(
  p: ImagePixels['pixels'],
  channels: number,
  range: { min: number; max: number },
): { center: number; width: number } {
  if (channels !== 1 || range.max === range.min) {
    return { center: (range.min + range.max) / 2, width: Math.max(1, range.max - range.min) };
  }
  const step = Math.max(1, Math.floor(p.length / 65_536));
  const n = Math.ceil(p.length / step);
  const loRank = Math.floor(n * 0.005);
  const hiRank = Math.min(n - 1, Math.ceil(n * 0.995));
  // The sample's 0.5th and 99.5th percentiles. Integer pixels: counted in a histogram (linear, the same
  // values a sort gives); this runs for every image opened and every thumbnail, so no sort where avoidable.
  const [lo, hi] =
    isIntegerArray(p) && range.max - range.min < 1 << 17
      ? ranksByHistogram(p, step, range.min, range.max, loRank, hiRank)
      : ranksBySort(p, step, loRank, hiRank);
  return hi > lo
    ? { center: (lo + hi) / 2, width: hi - lo }
    : { center: (range.min + range.max) / 2, width: range.max - range.min };
}

function isIntegerArray(p: ImagePixels['pixels']): boolean {
  return !(p instanceof Float32Array || p instanceof Float64Array);
}

function ranksByHistogram(
  p: ImagePixels['pixels'],
  step: number,
  min: number,
  max: number,
  loRank: number,
  hiRank: number,
): [number, number] {
  const counts = new Uint32Array(max - min + 1);
  for (let i = 0; i < p.length; i += step) counts[p[i]! - min]!++;
  let lo = min;
  let hi = max;
  let seen = 0;
  let loFound = false;
  for (let v = 0; v < counts.length; v++) {
    seen += counts[v]!;
    if (!loFound && seen > loRank) {
      lo = v + min;
      loFound = true;
    }
    if (seen > hiRank) {
      hi = v + min;
      break;
    }
  }
  return [lo, hi];
}

function ranksBySort(
  p: ImagePixels['pixels'],
  step: number,
  loRank: number,
  hiRank: number,
): [number, number] {
  const sample = new Float64Array(Math.ceil(p.length / step));
  for (let i = 0, k = 0; i < p.length; i += step, k++) sample[k] = p[i]!;
  sample.sort();
  return [sample[loRank]!, sample[hiRank]!];
}
