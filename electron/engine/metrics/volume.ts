/**
 * Per-volume metrics of a CT/MR series or NIfTI volume scored as a whole: 3-D Dice (and IoU, precision,
 * recall) over every voxel, and HD95 in mm between the 3-D surfaces with the voxel spacing including the
 * slice spacing. The student still predicts slice by slice; the slices are stacked back in the volume's
 * order (along the slice normal) before scoring.
 *
 * HD95 follows medpy's hd95 in 3-D: surface = foreground voxels with a 6-connected background neighbour
 * (voxels on the volume's edge count as surface, as binary_erosion with border 0 does); the distances from
 * every surface voxel of A to the nearest surface voxel of B and from B to A are pooled and their 95th
 * percentile (linear interpolation) taken. Distances come from an exact Euclidean distance transform
 * (Felzenszwalb & Huttenlocher 2012, separable lower envelope of parabolas, one pass per axis with that
 * axis' spacing), computed only over the bounding box of both masks (plus one voxel), which is exact:
 * every seed and every query voxel lies in it. Empty masks: both empty gives HD95 0 (nothing to miss),
 * exactly one empty gives null (undefined; left out of the mean, which says how many volumes it used).
 */
import type { VolumeSummaryDto } from '../../../shared/dto.js';
import { squaredDistanceTransform3d } from './distance-transform.js';
import { percentile } from './hausdorff.js';
import { mean } from './evaluate.js';
import { overlapMetrics, type OverlapMetrics } from './overlap.js';

/** Voxel spacing in mm: [row, column, slice] (DICOM PixelSpacing order, then the slice spacing). */
export type VoxelSpacing = [number, number, number];

/** A volume as its slices in order, each row-major rows x cols; non-zero = foreground. */
export interface MaskVolume {
  rows: number;
  cols: number;
  slices: readonly ArrayLike<number>[];
}

export const VOLUME_CONVENTIONS =
  'Per-volume metrics over all voxels of a series/volume, its slices stacked along the slice normal. ' +
  'Dice/IoU/precision/recall with a zero denominator: 1 if prediction and truth are both empty, else 0. ' +
  'HD95 = 95th percentile of the pooled 3-D surface-to-surface distances in both directions (medpy hd95, 6-connected surface) ' +
  'in mm with the voxel spacing incl. the slice spacing; 0 when both are empty, undefined (null, left out of the mean) when exactly one is. ' +
  'Aggregates are means over volumes.';

export interface VolumeMetrics extends OverlapMetrics {
  volume: string;
  slices: number;
  hd95_mm: number | null;
  truth_voxels: number;
  pred_voxels: number;
  spacing: VoxelSpacing;
}

/** The means over volumes, as the evaluation result carries them. */
export type VolumeSummary = VolumeSummaryDto;

function checkShape(v: MaskVolume, what: string, rows: number, cols: number, depth: number): void {
  if (v.rows !== rows || v.cols !== cols || v.slices.length !== depth)
    throw new Error(
      `${what} volume is ${v.cols}x${v.rows}x${v.slices.length}, ${cols}x${rows}x${depth} expected`,
    );
  v.slices.forEach((s, k) => {
    if (s.length !== rows * cols)
      throw new Error(`${what} slice ${k + 1} has ${s.length} voxels, ${rows * cols} expected`);
  });
}

function checkSpacing(spacing: VoxelSpacing): void {
  if (!spacing.every((s) => Number.isFinite(s) && s > 0))
    throw new Error(`voxel spacing must be three positive numbers, got ${spacing.join(', ')}`);
}

/** The smallest box holding every foreground voxel of both volumes, grown by one voxel; null if none. */
function boundingBox(a: MaskVolume, b: MaskVolume): { lo: number[]; hi: number[] } | null {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  for (const v of [a, b])
    v.slices.forEach((s, k) => {
      for (let i = 0; i < s.length; i++) {
        if (s[i] === 0) continue;
        const r = Math.floor(i / v.cols);
        const c = i - r * v.cols;
        if (k < lo[0]!) lo[0] = k;
        if (k > hi[0]!) hi[0] = k;
        if (r < lo[1]!) lo[1] = r;
        if (r > hi[1]!) hi[1] = r;
        if (c < lo[2]!) lo[2] = c;
        if (c > hi[2]!) hi[2] = c;
      }
    });
  if (hi[0]! < 0) return null;
  const max = [a.slices.length - 1, a.rows - 1, a.cols - 1];
  return {
    lo: lo.map((x) => Math.max(0, x - 1)),
    hi: hi.map((x, d) => Math.min(max[d]!, x + 1)),
  };
}

/**
 * Surface voxels (6-connected) of a box cut out of a volume. The box reaches one voxel past the
 * foreground wherever the volume allows, so a foreground voxel on the box's edge is on the volume's edge.
 */
function surfaceInBox(v: MaskVolume, lo: number[], dims: number[]): Uint8Array {
  const [nz, ny, nx] = dims as [number, number, number];
  const fg = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) {
    const s = v.slices[lo[0]! + z]!;
    for (let y = 0; y < ny; y++) {
      const src = (lo[1]! + y) * v.cols + lo[2]!;
      const dst = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) fg[dst + x] = s[src + x] !== 0 ? 1 : 0;
    }
  }
  const out = new Uint8Array(fg.length);
  const sy = nx,
    sz = nx * ny;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = z * sz + y * sy + x;
        if (!fg[i]) continue;
        const edge =
          x === 0 ||
          y === 0 ||
          z === 0 ||
          x === nx - 1 ||
          y === ny - 1 ||
          z === nz - 1 ||
          !fg[i - 1] ||
          !fg[i + 1] ||
          !fg[i - sy] ||
          !fg[i + sy] ||
          !fg[i - sz] ||
          !fg[i + sz];
        if (edge) out[i] = 1;
      }
  return out;
}

/** HD95 in mm between two mask volumes of one grid; 0 when both are empty, NaN when exactly one is. */
export function hd95Volume(pred: MaskVolume, truth: MaskVolume, spacing: VoxelSpacing): number {
  checkShape(pred, 'prediction', truth.rows, truth.cols, truth.slices.length);
  checkShape(truth, 'truth', truth.rows, truth.cols, truth.slices.length);
  checkSpacing(spacing);
  const box = boundingBox(pred, truth);
  if (!box) return 0;
  const dims = [0, 1, 2].map((d) => box.hi[d]! - box.lo[d]! + 1) as [number, number, number];
  const sp = surfaceInBox(pred, box.lo, dims);
  const st = surfaceInBox(truth, box.lo, dims);
  let np = 0,
    nt = 0;
  for (let i = 0; i < sp.length; i++) {
    np += sp[i]!;
    nt += st[i]!;
  }
  if (np === 0 && nt === 0) return 0;
  if (np === 0 || nt === 0) return Number.NaN;
  // One transform at a time: a large lesion's box holds millions of voxels.
  const dists = new Float64Array(np + nt);
  let k = 0;
  const toTruth = squaredDistanceTransform3d(st, dims, spacing);
  for (let i = 0; i < sp.length; i++) if (sp[i]) dists[k++] = Math.sqrt(toTruth[i]!);
  const toPred = squaredDistanceTransform3d(sp, dims, spacing);
  for (let i = 0; i < st.length; i++) if (st[i]) dists[k++] = Math.sqrt(toPred[i]!);
  return percentile(dists, 95);
}

/** Overlap and HD95 of one volume; `spacing` null leaves HD95 in mm undefined. */
export function volumeMetrics(
  name: string,
  pred: MaskVolume,
  truth: MaskVolume,
  spacing: VoxelSpacing,
): VolumeMetrics {
  checkShape(pred, 'prediction', truth.rows, truth.cols, truth.slices.length);
  let tp = 0,
    fp = 0,
    fn = 0,
    total = 0;
  truth.slices.forEach((t, k) => {
    const p = pred.slices[k]!;
    total += t.length;
    for (let i = 0; i < t.length; i++) {
      const a = p[i] !== 0,
        b = t[i] !== 0;
      if (a && b) tp++;
      else if (a) fp++;
      else if (b) fn++;
    }
  });
  const hd = hd95Volume(pred, truth, spacing);
  return {
    volume: name,
    slices: truth.slices.length,
    ...overlapMetrics({ tp, fp, fn, tn: total - tp - fp - fn }),
    hd95_mm: Number.isFinite(hd) ? hd : null,
    truth_voxels: tp + fn,
    pred_voxels: tp + fp,
    spacing,
  };
}

export function summarizeVolumes(rows: readonly VolumeMetrics[]): VolumeSummary {
  const hd = rows.map((r) => r.hd95_mm).filter((v): v is number => v !== null);
  return {
    n: rows.length,
    dice_mean: mean(rows.map((r) => r.dice)),
    iou_mean: mean(rows.map((r) => r.iou)),
    hd95_mm_mean: hd.length ? mean(hd) : null,
    hd95_mm_n: hd.length,
    conventions: VOLUME_CONVENTIONS,
  };
}
