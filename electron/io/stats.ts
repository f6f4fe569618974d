import type { PixelArray } from './types.js';

/** Stored samples of any width: what readers return, and float64 slices as the store hands them out. */
export type SampleArray = PixelArray | Float64Array;

/**
 * Min and max of finite samples: NaN and infinite voxels (float NIfTI, a float slice) are skipped, so a
 * display window or a rescale never spans to infinity; {Infinity, -Infinity} if none.
 */
export function minMax(a: SampleArray): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  if (a instanceof Float32Array || a instanceof Float64Array) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (v !== v || v === Infinity || v === -Infinity) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  }
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Min, max, sum and count of finite samples. */
export function sampleStats(a: SampleArray): { min: number; max: number; sum: number; count: number } {
  const { min, max } = minMax(a);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return { min, max, sum, count };
}

/** Combined range of the finite samples of several arrays; {0,0} for none. */
export function rangeOf(arrays: readonly SampleArray[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    const s = minMax(a);
    if (s.min < min) min = s.min;
    if (s.max > max) max = s.max;
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}
