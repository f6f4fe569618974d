/**
 * A volume out of slices: the slices of one DICOM series (or one NIfTI file) put in order along the slice
 * normal from their own positions, not by InstanceNumber, and checked to form one regular grid, as the
 * per-volume metrics (HD95 in mm uses the slice spacing) and the NIfTI/SEG writers (one affine) need.
 * A series that does not (a slice without geometry, mixed orientation, size or pixel spacing, two slices
 * at one position, a gap, slices shifted sideways as on a tilted gantry) is refused with a message that
 * names the series and the slices concerned.
 */
import { basename } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { ImageStack } from './types.js';

type Vec3 = [number, number, number];

/** What the import keeps of each slice's place in the patient (DICOM tags, or the NIfTI affine). */
export interface SliceGeometry {
  /** The series/volume the slice belongs to: DICOM SeriesInstanceUID, else the NIfTI file's path. */
  volume: string;
  /** ImagePositionPatient: LPS mm of the first pixel's centre. */
  position: Vec3 | null;
  /** ImageOrientationPatient: direction cosines of the first row, then of the first column. */
  orientation: [number, number, number, number, number, number] | null;
  /** PixelSpacing [row, column] in mm. */
  pixelSpacing: [number, number] | null;
  /** SliceThickness in mm (DICOM); informative, the spacing comes from the positions. */
  sliceThickness: number | null;
}

/** A slice with its grid size and geometry, as the caller holds it (an index into its own list). */
export interface VolumeSlice {
  rows: number;
  cols: number;
  geometry: SliceGeometry | null;
}

export interface VolumeLayout {
  /** Indices into the given slices, in order along the normal (feet to head for axial LPS). */
  order: number[];
  rows: number;
  cols: number;
  /** [row, column, slice] in mm; the slice spacing is the distance between neighbouring positions. */
  spacing: [number, number, number];
  orientation: [number, number, number, number, number, number];
  /** Positions in `order`. */
  positions: Vec3[];
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Two slices closer than this along the normal are at one position (mm). */
const SAME_POSITION_MM = 1e-3;
/** A step differing from the median by more than this fraction is a gap (or an overlap). */
const STEP_TOLERANCE = 0.1;
/**
 * Sideways shift between neighbours beyond which the slices do not stack along the normal: 0.1 mm or 2%
 * of the step, whichever is larger (positions are often written rounded to 0.1 mm; a tilted gantry shifts
 * each slice by a large part of the step).
 */
const shearLimit = (step: number): number => Math.max(0.1, 0.02 * step);

function invalid(volume: string, problem: string, detail: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.INVALID_ARGUMENT, `Series ${volume}: ${problem}`, { volume, ...detail });
}

/**
 * Orders and checks the slices of one volume; throws an AppError naming the series when they do not form
 * one regular grid. `label` names the series in messages (default: the volume key of its slices).
 */
export function volumeLayout(slices: readonly VolumeSlice[], label?: string): VolumeLayout {
  const name = label ?? slices.find((s) => s.geometry)?.geometry?.volume ?? 'without a name';
  if (slices.length < 2)
    throw invalid(name, `has ${slices.length} slice(s); a volume needs at least 2`, {
      slices: slices.length,
    });
  const missing = slices.findIndex((s) => !s.geometry?.position || !s.geometry.orientation);
  if (missing >= 0)
    throw invalid(
      name,
      `slice ${missing + 1} has no ImagePositionPatient/ImageOrientationPatient, so its place in the volume is unknown`,
      { slice: missing + 1 },
    );
  const noSpacing = slices.findIndex((s) => !s.geometry!.pixelSpacing);
  if (noSpacing >= 0)
    throw invalid(name, `slice ${noSpacing + 1} has no PixelSpacing`, { slice: noSpacing + 1 });
  const g = slices.map((s) => s.geometry!);
  const first = slices[0]!;
  const o = g[0]!.orientation!;
  const ps = g[0]!.pixelSpacing!;
  for (let i = 1; i < slices.length; i++) {
    const s = slices[i]!;
    if (s.rows !== first.rows || s.cols !== first.cols)
      throw invalid(
        name,
        `mixes sizes ${first.cols}x${first.rows} and ${s.cols}x${s.rows} (slice ${i + 1})`,
        {
          slice: i + 1,
        },
      );
    if (g[i]!.orientation!.some((v, k) => Math.abs(v - o[k]!) > 1e-3))
      throw invalid(name, `mixes orientations (slice ${i + 1} differs from slice 1)`, { slice: i + 1 });
    if (g[i]!.pixelSpacing!.some((v, k) => Math.abs(v - ps[k]!) > 1e-3 * ps[k]!))
      throw invalid(
        name,
        `mixes pixel spacings ${ps.join('x')} and ${g[i]!.pixelSpacing!.join('x')} mm (slice ${i + 1})`,
        { slice: i + 1 },
      );
  }
  const row: Vec3 = [o[0], o[1], o[2]];
  const col: Vec3 = [o[3], o[4], o[5]];
  const normal: Vec3 = [
    row[1] * col[2] - row[2] * col[1],
    row[2] * col[0] - row[0] * col[2],
    row[0] * col[1] - row[1] * col[0],
  ];
  if (Math.abs(Math.hypot(...normal) - 1) > 1e-2)
    throw invalid(name, 'has an ImageOrientationPatient whose row and column are not orthonormal');
  const along = g.map((x) => dot(x.position!, normal));
  const order = slices.map((_, i) => i).sort((a, b) => along[a]! - along[b]!);
  const steps: number[] = [];
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1]!,
      b = order[k]!;
    const step = along[b]! - along[a]!;
    if (step < SAME_POSITION_MM)
      throw invalid(name, `slices ${a + 1} and ${b + 1} are at the same position`, {
        slices: [a + 1, b + 1],
      });
    // What is left of the step once its part along the normal is taken out: the slices slide sideways.
    const d = g[b]!.position!.map((v, i) => v - g[a]!.position![i]! - step * normal[i]!);
    if (Math.hypot(...d) > shearLimit(step))
      throw invalid(
        name,
        `slices ${a + 1} and ${b + 1} are shifted ${Math.hypot(...d).toFixed(2)} mm sideways (tilted gantry?), so they do not stack along the slice normal`,
        { slices: [a + 1, b + 1] },
      );
    steps.push(step);
  }
  const median = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)]!;
  const gap = steps.findIndex((s) => Math.abs(s - median) > STEP_TOLERANCE * median);
  if (gap >= 0)
    throw invalid(
      name,
      `slices ${order[gap]! + 1} and ${order[gap + 1]! + 1} are ${steps[gap]!.toFixed(3)} mm apart where the others are ${median.toFixed(3)} mm (a missing slice or irregular spacing)`,
      { slices: [order[gap]! + 1, order[gap + 1]! + 1] },
    );
  const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
  return {
    order,
    rows: first.rows,
    cols: first.cols,
    spacing: [ps[0], ps[1], mean],
    orientation: o,
    positions: order.map((i) => g[i]!.position!),
  };
}

/**
 * The NIfTI affine (voxel i=column, j=row, k=slice in `layout.order` -> RAS mm, row-major 4x4) of a
 * layout, as dcm2niix and ITK write it: the DICOM LPS geometry with x and y negated.
 */
export function rasAffine(layout: VolumeLayout): number[] {
  const [rs, cs] = layout.spacing;
  const o = layout.orientation;
  const p0 = layout.positions[0]!;
  const pn = layout.positions[layout.positions.length - 1]!;
  const n = layout.positions.length;
  const step = p0.map((v, i) => (pn[i]! - v) / (n - 1));
  const lps = [0, 1, 2].map((w) => [o[w]! * cs, o[3 + w]! * rs, step[w]!, p0[w]!]);
  return [...lps[0]!.map((v) => -v), ...lps[1]!.map((v) => -v), ...lps[2]!, 0, 0, 0, 1].map((v) => v + 0);
}

/**
 * Each slice's geometry as the import keeps it: for DICOM and NIfTI stacks, what the file says of the
 * slice (its own orientation and pixel spacing where DICOM gives them per file); null for the slices
 * of formats without a patient space (PNG, JPEG, TIFF).
 */
export function stackGeometry(stack: ImageStack): (SliceGeometry | null)[] {
  if (stack.format !== 'dicom' && stack.format !== 'nifti') return stack.slices.map(() => null);
  return stack.slices.map((s) => ({
    volume: stack.seriesKey,
    position: s.position ?? null,
    orientation: s.orientation ?? stack.orientation ?? null,
    pixelSpacing: s.pixelSpacing ?? stack.pixelSpacing ?? null,
    sliceThickness: stack.sliceThickness ?? null,
  }));
}

/**
 * Why a multi-slice DICOM or NIfTI stack is not one regular volume (the message names the series), or
 * undefined when it is one or is no volume at all (a single image, a 2-D format). Its slices are still
 * usable one by one; per-volume metrics and volume exports leave it out with this reason.
 */
export function volumeProblem(stack: ImageStack): string | undefined {
  if (stack.slices.length < 2 || (stack.format !== 'dicom' && stack.format !== 'nifti')) return undefined;
  const label = stack.seriesDescription ? `${stack.seriesKey} (${stack.seriesDescription})` : stack.seriesKey;
  const geometry = stackGeometry(stack);
  try {
    volumeLayout(
      geometry.map((g) => ({ rows: stack.rows, cols: stack.cols, geometry: g })),
      label,
    );
    return undefined;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // Slice numbers are in the stack's order; the files say which ones to look at.
    const d = err.detail as { slice?: number; slices?: number[] } | undefined;
    const numbers = d?.slices ?? (d?.slice ? [d.slice] : []);
    const files = numbers.map((n) => basename(stack.slices[n - 1]?.provenance.path ?? '')).filter(Boolean);
    return files.length ? `${err.message} (${files.join(', ')})` : err.message;
  }
}
