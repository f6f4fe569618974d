import { describe, expect, it } from 'vitest';
import type { InputContract } from '../../../electron/teachers/contract.js';
import {
  inputLength,
  lumaPil,
  placementFor,
  preprocess,
  roundHalfEven,
} from '../../../electron/teachers/preprocess.js';

const base: InputContract = {
  layout: 'NCHW',
  height: 4,
  width: 4,
  channels: 1,
  scale: 1 / 255,
  mean: [0],
  std: [1],
  resize: 'stretch',
  padValue: 0,
};

describe('ITU-R 601-2 luma as PIL convert("L")', () => {
  it('matches Pillow 9.4 values, including where truncating R*299/1000... would differ', () => {
    // Values printed by Pillow 9.4: Image.fromarray(rgb).convert('L').
    // Truncating (R*299 + G*587 + B*114) // 1000 gives 149 for pure green and 33 for (3, 7, 250).
    const rgb = Uint8Array.from([
      255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30, 200, 100, 50, 1, 1, 1, 128, 64, 32, 3, 7,
      250, 17, 200, 201,
    ]);
    expect([...lumaPil(rgb)]).toEqual([76, 150, 29, 255, 18, 124, 1, 79, 34, 145]);
  });
});

describe('resize policy', () => {
  it('letterbox: one scale from the long side, Python rounding, centred with floor offsets', () => {
    const c = { ...base, height: 256, width: 256, resize: 'letterbox' as const };
    // 300 wide x 100 high: scale 256/300, nh = round(85.33) = 85, top = (256 - 85) // 2 = 85.
    expect(placementFor(100, 300, c)).toEqual({ rows: 100, cols: 300, top: 85, left: 0, nh: 85, nw: 256 });
    // 190 x 256 (a BUS-BRA image): no resize, left = (256 - 190) // 2 = 33.
    expect(placementFor(256, 190, c)).toEqual({ rows: 256, cols: 190, top: 0, left: 33, nh: 256, nw: 190 });
    // 5 x 8 on 4x4: scale 0.5, 5 * 0.5 = 2.5 rounds half to even -> 2.
    expect(placementFor(5, 8, { ...base, resize: 'letterbox' })).toMatchObject({
      nh: 2,
      nw: 4,
      top: 1,
      left: 0,
    });
    expect([roundHalfEven(2.5), roundHalfEven(3.5), roundHalfEven(-0.5), roundHalfEven(2.4)]).toEqual([
      2, 4, -0, 2,
    ]);
  });

  it('stretch covers the whole grid', () => {
    expect(placementFor(7, 3, base)).toEqual({ rows: 7, cols: 3, top: 0, left: 0, nh: 4, nw: 4 });
  });
});

describe('preprocess', () => {
  it('pads the letterbox canvas with the pad value in pixel units, normalized like the image', () => {
    const c: InputContract = { ...base, resize: 'letterbox', mean: [0.5], std: [0.25], padValue: 0 };
    const img = {
      name: 'a',
      rows: 2,
      cols: 4,
      channels: 1 as const,
      pixels: Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0]),
    };
    const out = new Float32Array(inputLength(c));
    const p = preprocess(img, c, out, 0);
    expect(p).toMatchObject({ top: 1, left: 0, nh: 2, nw: 4 });
    const pad = (0 - 0.5) / 0.25;
    const white = (1 - 0.5) / 0.25;
    expect([...out]).toEqual([
      pad,
      pad,
      pad,
      pad,
      white,
      white,
      white,
      white,
      pad,
      pad,
      pad,
      pad,
      pad,
      pad,
      pad,
      pad,
    ]);
  });

  it('replicates grey to RGB with per-channel mean/std, in NCHW and NHWC', () => {
    const c: InputContract = {
      ...base,
      height: 1,
      width: 2,
      channels: 3,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    };
    const img = { name: 'g', rows: 1, cols: 2, channels: 1 as const, pixels: Uint8Array.from([0, 255]) };
    const nchw = new Float32Array(6);
    preprocess(img, c, nchw, 0);
    const want = (v: number, ch: number) => (v / 255 - c.mean[ch]!) / c.std[ch]!;
    const expected = [want(0, 0), want(255, 0), want(0, 1), want(255, 1), want(0, 2), want(255, 2)];
    nchw.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    const nhwc = new Float32Array(6);
    preprocess(img, { ...c, layout: 'NHWC' }, nhwc, 0);
    const expectedHwc = [want(0, 0), want(0, 1), want(0, 2), want(255, 0), want(255, 1), want(255, 2)];
    nhwc.forEach((v, i) => expect(v).toBeCloseTo(expectedHwc[i]!, 5));
  });

  it('converts RGB to grey for a 1-channel teacher and writes at an offset', () => {
    const img = {
      name: 'rgb',
      rows: 1,
      cols: 1,
      channels: 3 as const,
      pixels: Uint8Array.from([200, 100, 50]),
    };
    const c = { ...base, height: 1, width: 1 };
    const out = new Float32Array(3).fill(9);
    preprocess(img, c, out, 1);
    expect(out[0]).toBe(9);
    expect(out[1]).toBeCloseTo(124 / 255, 6);
    expect(out[2]).toBe(9);
  });

  it('refuses pixels that do not fit the stated size', () => {
    const img = { name: 'bad', rows: 2, cols: 2, channels: 1 as const, pixels: new Uint8Array(3) };
    expect(() => preprocess(img, base, new Float32Array(16), 0)).toThrow(/bad: 3 samples/);
  });
});
