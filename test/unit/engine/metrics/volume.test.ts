// Per-volume metrics: the 3-D exact distance transform and HD95 against brute force on small random
// volumes with anisotropic spacing, and against cases computed by hand.
import { describe, expect, it } from 'vitest';
import {
  hd95Volume,
  summarizeVolumes,
  volumeMetrics,
  type MaskVolume,
  type VoxelSpacing,
} from '../../../../electron/engine/metrics/volume.js';
import { percentile, squaredDistanceTransform3d } from '../../../../electron/engine/metrics/index.js';

/** A seeded generator, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function vol(
  depth: number,
  rows: number,
  cols: number,
  on: (z: number, y: number, x: number) => boolean,
): MaskVolume {
  const slices: Uint8Array[] = [];
  for (let z = 0; z < depth; z++) {
    const s = new Uint8Array(rows * cols);
    for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) if (on(z, y, x)) s[y * cols + x] = 1;
    slices.push(s);
  }
  return { rows, cols, slices };
}

/** Surface voxels by the definition, written out plainly: foreground with a 6-neighbour off or outside. */
function bruteSurface(v: MaskVolume): [number, number, number][] {
  const at = (z: number, y: number, x: number): boolean =>
    z >= 0 &&
    y >= 0 &&
    x >= 0 &&
    z < v.slices.length &&
    y < v.rows &&
    x < v.cols &&
    v.slices[z]![y * v.cols + x] !== 0;
  const out: [number, number, number][] = [];
  for (let z = 0; z < v.slices.length; z++)
    for (let y = 0; y < v.rows; y++)
      for (let x = 0; x < v.cols; x++)
        if (
          at(z, y, x) &&
          (!at(z - 1, y, x) ||
            !at(z + 1, y, x) ||
            !at(z, y - 1, x) ||
            !at(z, y + 1, x) ||
            !at(z, y, x - 1) ||
            !at(z, y, x + 1))
        )
          out.push([z, y, x]);
  return out;
}

function bruteHd95(a: MaskVolume, b: MaskVolume, sp: VoxelSpacing): number {
  const sa = bruteSurface(a),
    sb = bruteSurface(b);
  if (!sa.length && !sb.length) return 0;
  if (!sa.length || !sb.length) return NaN;
  const d = (p: number[], q: number[]) =>
    Math.hypot((p[0]! - q[0]!) * sp[2], (p[1]! - q[1]!) * sp[0], (p[2]! - q[2]!) * sp[1]);
  const nearest = (p: number[], set: number[][]) => Math.min(...set.map((q) => d(p, q)));
  return percentile([...sa.map((p) => nearest(p, sb)), ...sb.map((p) => nearest(p, sa))], 95);
}

describe('3-D exact Euclidean distance transform', () => {
  it('equals brute force on random seeds with anisotropic spacing', () => {
    const r = rng(7);
    for (let t = 0; t < 20; t++) {
      const dims: [number, number, number] = [
        1 + Math.floor(r() * 6),
        1 + Math.floor(r() * 7),
        1 + Math.floor(r() * 8),
      ];
      const sp: VoxelSpacing = [0.3 + r() * 2, 0.3 + r() * 2, 0.5 + r() * 5];
      const n = dims[0] * dims[1] * dims[2];
      const seeds = Uint8Array.from({ length: n }, () => (r() < 0.08 ? 1 : 0));
      if (!seeds.some((x) => x)) seeds[Math.floor(r() * n)] = 1;
      const dt = squaredDistanceTransform3d(seeds, dims, sp);
      const pts: number[][] = [];
      for (let i = 0; i < n; i++)
        if (seeds[i])
          pts.push([Math.floor(i / (dims[1] * dims[2])), Math.floor(i / dims[2]) % dims[1], i % dims[2]]);
      for (let i = 0; i < n; i++) {
        const z = Math.floor(i / (dims[1] * dims[2])),
          y = Math.floor(i / dims[2]) % dims[1],
          x = i % dims[2];
        const brute = Math.min(
          ...pts.map(
            (p) => ((p[0]! - z) * sp[2]) ** 2 + ((p[1]! - y) * sp[0]) ** 2 + ((p[2]! - x) * sp[1]) ** 2,
          ),
        );
        expect(dt[i]!, `trial ${t} voxel ${i}`).toBeCloseTo(brute, 6);
      }
    }
  });

  it('leaves a grid without seeds at infinity', () => {
    const dt = squaredDistanceTransform3d(new Uint8Array(24), [2, 3, 4], [1, 1, 1]);
    expect(dt.every((v) => v >= 1e20)).toBe(true);
  });
});

describe('volume HD95', () => {
  it('equals brute force on small random volumes', () => {
    const r = rng(42);
    for (let t = 0; t < 25; t++) {
      const [d, h, w] = [2 + Math.floor(r() * 5), 3 + Math.floor(r() * 6), 3 + Math.floor(r() * 6)];
      const sp: VoxelSpacing = [0.5 + r(), 0.5 + r(), 1 + r() * 4];
      const pa = 0.2 + r() * 0.5,
        pb = 0.2 + r() * 0.5;
      const a = vol(d, h, w, () => r() < pa);
      const b = vol(d, h, w, () => r() < pb);
      expect(hd95Volume(a, b, sp), `trial ${t}`).toBeCloseTo(bruteHd95(a, b, sp), 9);
    }
  });

  it('is the slice spacing for a cube shifted by one slice (by hand)', () => {
    // Two 4x4x4 cubes in a 10x10x10 grid, the second one slice further. Each has 56 surface voxels. The
    // 16 voxels of the truth's first face and the 16 of the prediction's last face are 3 mm (one slice)
    // from the other surface; every other surface voxel is 0 or 0.5 mm (one row or column) from it. So 32
    // of the 112 distances are 3 mm, more than 5%: the 95th percentile is 3 mm.
    const t = vol(10, 10, 10, (z, y, x) => z >= 2 && z < 6 && y >= 3 && y < 7 && x >= 3 && x < 7);
    const p = vol(10, 10, 10, (z, y, x) => z >= 3 && z < 7 && y >= 3 && y < 7 && x >= 3 && x < 7);
    expect(hd95Volume(p, t, [0.5, 0.5, 3])).toBeCloseTo(3, 12);
    // Dice: 48 shared voxels of 64 + 64.
    const m = volumeMetrics('cube', p, t, [0.5, 0.5, 3]);
    expect(m.dice).toBeCloseTo(96 / 128, 12);
    expect([m.truth_voxels, m.pred_voxels, m.slices]).toEqual([64, 64, 10]);
  });

  it('measures a single voxel against a single voxel along the diagonal in mm', () => {
    const t = vol(5, 5, 5, (z, y, x) => z === 0 && y === 0 && x === 0);
    const p = vol(5, 5, 5, (z, y, x) => z === 2 && y === 3 && x === 4);
    // rows 3 x 0.7, cols 4 x 0.9, slices 2 x 2.5
    expect(hd95Volume(p, t, [0.7, 0.9, 2.5])).toBeCloseTo(Math.hypot(3 * 0.7, 4 * 0.9, 2 * 2.5), 12);
  });

  it('defines the empty cases: both empty 0, one empty undefined (null, not averaged)', () => {
    const empty = vol(3, 4, 4, () => false);
    const some = vol(3, 4, 4, (z, y, x) => z === 1 && y === 1 && x === 1);
    expect(hd95Volume(empty, empty, [1, 1, 1])).toBe(0);
    expect(hd95Volume(some, empty, [1, 1, 1])).toBeNaN();
    const both = volumeMetrics('e', empty, empty, [1, 1, 1]);
    expect([both.dice, both.hd95_mm]).toEqual([1, 0]);
    const one = volumeMetrics('o', empty, some, [1, 1, 1]);
    expect([one.dice, one.hd95_mm]).toEqual([0, null]);
    const s = summarizeVolumes([both, one]);
    expect(s.n).toBe(2);
    expect(s.dice_mean).toBe(0.5);
    expect([s.hd95_mm_mean, s.hd95_mm_n]).toEqual([0, 1]);
  });

  it('refuses volumes of different shapes and a spacing that is not positive, saying which', () => {
    const a = vol(3, 4, 4, () => true);
    const b = vol(2, 4, 4, () => true);
    expect(() => volumeMetrics('x', a, b, [1, 1, 1])).toThrow(/prediction volume is 4x4x3, 4x4x2 expected/);
    expect(() => hd95Volume(a, a, [1, 0, 1])).toThrow(/positive/);
  });
});
