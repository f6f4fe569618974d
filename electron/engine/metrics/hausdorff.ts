/**
 * 95th-percentile Hausdorff distance between the boundaries of two binary masks, as medpy's hd95: the
 * distances from every boundary pixel of A to the nearest boundary pixel of B and from B to A, pooled,
 * then their 95th percentile (linear interpolation). Boundary = foreground pixels with a 4-connected
 * background neighbour (or on the image edge). Distances use an exact Euclidean distance transform
 * (Felzenszwalb & Huttenlocher) with the pixel spacing, so the result is in mm when the spacing is in mm
 * and in pixels with spacing [1, 1]. Undefined (NaN) when exactly one mask is empty; 0 when both are.
 */
import { squaredDistanceTransform3d } from './distance-transform.js';

export function boundary(mask: ArrayLike<number>, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (mask[i] === 0) continue;
      const edge =
        r === 0 ||
        c === 0 ||
        r === rows - 1 ||
        c === cols - 1 ||
        mask[i - 1] === 0 ||
        mask[i + 1] === 0 ||
        mask[i - cols] === 0 ||
        mask[i + cols] === 0;
      if (edge) out[i] = 1;
    }
  return out;
}

/** Squared Euclidean distance (in spacing units) from every pixel to the nearest non-zero pixel of `seeds`. */
export function squaredDistanceTransform(
  seeds: Uint8Array,
  rows: number,
  cols: number,
  spacing: [number, number],
): Float64Array {
  return squaredDistanceTransform3d(seeds, [1, rows, cols], [spacing[0], spacing[1], 1]);
}

export function percentile(values: Float64Array | number[], p: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return Number.NaN;
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** HD95 between two masks on the same rows x cols grid; spacing [row, col] (default 1 px). */
export function hd95(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  rows: number,
  cols: number,
  spacing: [number, number] = [1, 1],
): number {
  const bp = boundary(pred, rows, cols),
    bt = boundary(truth, rows, cols);
  const np = bp.reduce((a, b) => a + b, 0),
    nt = bt.reduce((a, b) => a + b, 0);
  if (np === 0 && nt === 0) return 0;
  if (np === 0 || nt === 0) return Number.NaN;
  const dt = squaredDistanceTransform(bt, rows, cols, spacing),
    dp = squaredDistanceTransform(bp, rows, cols, spacing);
  const dists = new Float64Array(np + nt);
  let k = 0;
  for (let i = 0; i < bp.length; i++) {
    if (bp[i]) dists[k++] = Math.sqrt(dt[i]!);
    if (bt[i]) dists[k++] = Math.sqrt(dp[i]!);
  }
  return percentile(dists, 95);
}
