/** Stored slices as numbers: value ranges and default display windows. */
import type { ImagePixels } from '../../shared/dto.js';

export function rangeOf(p: ImagePixels['pixels'], channels: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  void channels; // colour samples share one range
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? { min: 0, max: 0 } : { min, max };
}

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
