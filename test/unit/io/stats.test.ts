import { describe, expect, it } from 'vitest';
import { minMax, rangeOf } from '../../../electron/io/stats.js';

describe('rangeOf', () => {
  it('spans every array, integer and float alike', () => {
    expect(rangeOf([new Uint16Array([3, 900]), new Int16Array([-1024, 40])])).toEqual({
      min: -1024,
      max: 900,
    });
    expect(rangeOf([new Uint8Array([7, 7])])).toEqual({ min: 7, max: 7 });
  });

  it('leaves NaN and infinite samples out, in float32 and float64 slices', () => {
    // The former copy in services/pixels.ts let an infinite sample through, so the display range (and
    // the default window) of a float slice with one Inf voxel became infinite.
    expect(rangeOf([new Float32Array([NaN, 2, Infinity, -5, -Infinity])])).toEqual({ min: -5, max: 2 });
    expect(rangeOf([new Float64Array([Infinity, 0.5, NaN, 1.5])])).toEqual({ min: 0.5, max: 1.5 });
    expect(minMax(new Float64Array([NaN, -Infinity]))).toEqual({ min: Infinity, max: -Infinity });
  });

  it('is {0, 0} when there is no finite sample', () => {
    expect(rangeOf([])).toEqual({ min: 0, max: 0 });
    expect(rangeOf([new Float32Array([NaN, NaN])])).toEqual({ min: 0, max: 0 });
    expect(rangeOf([new Uint8Array(0)])).toEqual({ min: 0, max: 0 });
  });
});
