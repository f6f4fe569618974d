// The default display window: the 0.5th-99.5th percentile of a sample of the pixels. Integer images are
// counted in a histogram instead of sorted (every opened image and thumbnail computes one); the result
// must be the window a sort gives, for every pixel type, sampled or not.
import { describe, expect, it } from 'vitest';
import { defaultWindow } from '../../../electron/services/pixels.js';
import { rangeOf } from '../../../electron/io/stats.js';
import type { ImagePixels } from '../../../shared/dto.js';

/** The window as the sort of a JS array computes it (the reference). */
function bySort(p: ImagePixels['pixels']): { center: number; width: number } {
  const range = rangeOf([p]);
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

function filled<T extends ImagePixels['pixels']>(a: T, lo: number, hi: number, seed = 7): T {
  let x = seed;
  for (let i = 0; i < a.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    a[i] = lo + (x / 2 ** 32) * (hi - lo);
  }
  return a;
}

describe('defaultWindow', () => {
  it.each([
    ['uint8', () => filled(new Uint8Array(173 * 256), 0, 255)],
    ['uint16, sampled (more than 65,536 pixels)', () => filled(new Uint16Array(512 * 512), 0, 4095)],
    ['int16 CT with padding', () => filled(new Int16Array(300 * 300), -1024, 3071).fill(-2000, 0, 900)],
    ['int32 with a wide range (sorted, no histogram)', () => filled(new Int32Array(10_000), -1e6, 1e6)],
    ['float32', () => filled(new Float32Array(20_000), -1.5, 2.5)],
    ['uint8 of one value but a few', () => new Uint8Array(1000).fill(9).fill(200, 0, 3)],
  ])('equals the window a sort gives: %s', (_name, make) => {
    const p = make();
    expect(defaultWindow(p, 1, rangeOf([p]))).toEqual(bySort(p));
  });

  it('uses the full range for a flat image and for colour', () => {
    const flat = new Uint8Array(100).fill(4);
    expect(defaultWindow(flat, 1, rangeOf([flat]))).toEqual({ center: 4, width: 1 });
    const rgb = filled(new Uint8Array(300), 10, 250);
    const r = rangeOf([rgb]);
    expect(defaultWindow(rgb, 3, r)).toEqual({ center: (r.min + r.max) / 2, width: r.max - r.min });
  });
});
