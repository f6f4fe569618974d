import { describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../../../electron/engine/image/resize.js';

// torch 1.13: F.interpolate(x, size, mode='bilinear', align_corners=False) on this 3x5 input (values printed
// by torch, rounded to 5 decimals).
const X = [0, 10, 20, 30, 40, 5, 100, 7, 3, 250, 60, 61, 62, 255, 0];
const TORCH: Record<string, number[]> = {
  '4x7': [
    0.0, 5.71429, 12.85714, 20.0, 27.14286, 34.28572, 40.0, 3.125, 39.19643, 50.71428, 11.875, 12.76786,
    80.89287, 171.25, 25.625, 59.76786, 68.875, 27.625, 77.53572, 122.67857, 156.25, 60.0, 60.57143, 61.28571,
    62.00001, 199.85716, 145.71426, 0.0,
  ],
  '2x3': [11.66667, 16.75, 69.41666, 54.41666, 48.25, 105.66668],
  '5x2': [7.5, 32.5, 35.0, 45.4, 76.25, 64.75001, 66.95, 140.65001, 60.75, 191.25],
};

describe('resizeBilinear (torch bilinear, align_corners=False, no antialias)', () => {
  it('matches values computed by torch for up-, down- and mixed resizing', () => {
    for (const [size, want] of Object.entries(TORCH)) {
      const [h, w] = size.split('x').map(Number) as [number, number];
      const got = resizeBilinear(X, 3, 5, h, w);
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => expect(v, `${size}[${i}]`).toBeCloseTo(want[i]!, 3));
    }
  });

  it('uses half-pixel centres and clamps at the edges (hand-computed 1x2 -> 1x4)', () => {
    // Output centres map to source x = (d + 0.5) * 0.5 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper
    // neighbour clamped): [0, 25, 75, 100].
    expect([...resizeBilinear([0, 100], 1, 2, 1, 4)]).toEqual([0, 25, 75, 100]);
    // Shrinking 4 -> 2 without antialiasing averages only the two middle taps: x = 0.5 and 2.5.
    expect([...resizeBilinear([0, 10, 20, 30], 1, 4, 1, 2)]).toEqual([5, 25]);
  });

  it('is the identity at the same size and reads/writes windows with strides', () => {
    const a = Float32Array.from({ length: 12 }, (_, i) => i * 1.5);
    expect([...resizeBilinear(a, 3, 4, 3, 4)]).toEqual([...a]);
    // The 2x2 window at (1, 1) of the 3x4 plane, into the middle of a 4x4 canvas.
    const out = new Float32Array(16).fill(-1);
    resizeBilinear(a, 2, 2, 2, 2, { srcOffset: 5, srcStride: 4, out, outOffset: 5, outStride: 4 });
    expect([...out]).toEqual([-1, -1, -1, -1, -1, 7.5, 9, -1, -1, 13.5, 15, -1, -1, -1, -1, -1]);
  });

  it("resizes interleaved channels each on its own (the students' former copy)", () => {
    // RGB: each channel equals the single-channel resize of that channel's plane.
    const rgb = Float32Array.from({ length: 3 * 5 * 3 }, (_, i) => (i * 37) % 101);
    const got = resizeBilinear(rgb, 3, 5, 4, 7, { channels: 3 });
    for (let k = 0; k < 3; k++) {
      const plane = resizeBilinear(
        rgb.filter((_, i) => i % 3 === k),
        3,
        5,
        4,
        7,
      );
      expect(Array.from(got.filter((_, i) => i % 3 === k))).toEqual(Array.from(plane));
    }
  });

  it('keeps the tap weights in double precision', () => {
    // The two copies disagreed here: the students' rounded the weights to float32, which moves these
    // outputs by up to 0.03 (e.g. 142857.25 instead of 142857.28125); torch's reference does not round.
    expect([...resizeBilinear([0, 1000001, 0], 1, 3, 1, 7)]).toEqual([
      0, 142857.28125, 571429.125, 1000001, 571429.125, 142857.28125, 0,
    ]);
  });
});
