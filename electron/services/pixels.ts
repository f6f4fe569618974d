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
  const sample: number[] = [];
  for (let i = 0; i < p.length; i += step) sample.push(p[i]!);
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(sample.length * 0.005)]!;
  const hi = sample[Math.min(sample.length - 1, Math.ceil(sample.length * 0.995))]!;
  return hi > lo
    ? { center: (lo + hi) / 2, width: hi - lo }
    : { center: (range.min + range.max) / 2, width: range.max - range.min };
}
