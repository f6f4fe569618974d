import type { PixelArray } from './types.js';

/** Min and max of finite samples (NaN voxels in float NIfTI are skipped); {Infinity, -Infinity} if none. */
export function minMax(a: PixelArray): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  if (a instanceof Float32Array) {
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
export function sampleStats(a: PixelArray): { min: number; max: number; sum: number; count: number } {
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

/** Combined range of several arrays; {0,0} for none. */
export function rangeOf(arrays: PixelArray[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    const s = minMax(a);
    if (s.min < min) min = s.min;
    if (s.max > max) max = s.max;
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}
