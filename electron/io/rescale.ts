import { minMax, rangeOf } from './stats.js';
import type { PixelArray } from './types.js';

export interface Linear {
  slope: number;
  intercept: number;
}

/**
 * Applies a linear value mapping (DICOM modality LUT, NIfTI scl_slope/scl_inter) per slice and returns
 * the output range too (a linear map carries each slice's min/max over, so no second pass is needed).
 * Keeps an integer type when the mapping is integral and the result fits, so CT stays Int16 in HU.
 * The input arrays are consumed: one whose type is kept is rescaled in place.
 */
export function rescaleSlices(
  slices: PixelArray[],
  maps: Linear[],
): { slices: PixelArray[]; range: { min: number; max: number } } {
  if (maps.every((m) => m.slope === 1 && m.intercept === 0)) return { slices, range: rangeOf(slices) };
  const integral = maps.every((m) => Number.isInteger(m.slope) && Number.isInteger(m.intercept));
  let lo = Infinity;
  let hi = -Infinity;
  slices.forEach((a, i) => {
    const { slope, intercept } = maps[i]!;
    const s = minMax(a);
    if (s.min > s.max) return;
    for (const v of [s.min * slope + intercept, s.max * slope + intercept]) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  });
  const Out =
    !integral || slices.some((a) => a instanceof Float32Array)
      ? Float32Array
      : lo >= -32768 && hi <= 32767
        ? Int16Array
        : lo >= 0 && hi <= 65535
          ? Uint16Array
          : lo >= -(2 ** 31) && hi < 2 ** 31
            ? Int32Array
            : Float32Array;
  const out = slices.map((a, i) => {
    const { slope, intercept } = maps[i]!;
    // Same type in and out (signed CT stays Int16): rescale in place, sparing an allocation per slice.
    const o = a.constructor === Out ? a : new Out(a.length);
    if (slope === 1) for (let k = 0; k < a.length; k++) o[k] = a[k]! + intercept;
    else for (let k = 0; k < a.length; k++) o[k] = a[k]! * slope + intercept;
    return o;
  });
  // Float32 rounding can move the extremes slightly; recompute only then.
  const range = Out === Float32Array ? rangeOf(out) : lo <= hi ? { min: lo, max: hi } : { min: 0, max: 0 };
  return { slices: out, range };
}
