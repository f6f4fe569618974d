import { AppError, ErrorCode } from '../../../shared/errors.js';
import { badFile, unsupported } from '../errors.js';
import { readNiftiBytes } from '../nifti/read.js';
import { writeNifti } from '../nifti/write.js';
import type { NiftiVolume } from '../nifti/write.js';
import type { MaskReference, MaskStack } from './types.js';

/**
 * Reads a NIfTI label map into the same display orientation the image reader uses, so a label map on the
 * grid of a NIfTI image lines up slice for slice with that image's stack.
 */
export function readNiftiMask(path: string, bytes: Uint8Array, ref?: MaskReference): MaskStack {
  const stack = readNiftiBytes(path, bytes, 0);
  if (stack.samplesPerPixel !== 1) throw unsupported(path, 'an RGB NIfTI is not a label map');
  if (
    ref &&
    (stack.rows !== ref.rows || stack.cols !== ref.cols || stack.slices.length !== ref.slices.length)
  ) {
    throw badFile(
      path,
      `label map grid ${stack.cols}x${stack.rows}x${stack.slices.length} differs from the image's ${ref.cols}x${ref.rows}x${ref.slices.length}`,
    );
  }
  const wide = stack.range.max > 255;
  if (stack.range.min < 0 || stack.range.max > 65535) {
    throw badFile(path, `label values ${stack.range.min}..${stack.range.max} are outside 0..65535`);
  }
  const slices = stack.slices.map((s) => {
    const out = wide ? new Uint16Array(s.pixels.length) : new Uint8Array(s.pixels.length);
    for (let i = 0; i < out.length; i++) {
      const v = s.pixels[i]!;
      if (v !== Math.round(v)) throw badFile(path, `label map holds a non-integer value (${v})`);
      out[i] = v;
    }
    return out;
  });
  const numbers = new Set<number>();
  for (const s of slices) for (let i = 0; i < s.length; i++) if (s[i]) numbers.add(s[i]!);
  const segments = [...numbers].sort((a, b) => a - b).map((n) => ({ number: n, label: `label ${n}` }));
  return { rows: stack.rows, cols: stack.cols, slices, segments };
}

type Vec = [number, number, number];
const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

/** Voxel (column, row, slice) -> LPS mm of a DICOM-like stack, as columns of a 3x4 matrix. */
function stackToLps(ref: MaskReference): { m: number[][]; ok: boolean } {
  const [rs, cs] = ref.pixelSpacing ?? [1, 1];
  const o = ref.orientation ?? [1, 0, 0, 0, 1, 0];
  const p0 = ref.slices[0]?.position;
  const pn = ref.slices[ref.slices.length - 1]?.position;
  const rowDir: Vec = [o[0], o[1], o[2]];
  const colDir: Vec = [o[3], o[4], o[5]];
  const normal: Vec = [
    rowDir[1] * colDir[2] - rowDir[2] * colDir[1],
    rowDir[2] * colDir[0] - rowDir[0] * colDir[2],
    rowDir[0] * colDir[1] - rowDir[1] * colDir[0],
  ];
  const n = ref.slices.length;
  const step: Vec =
    p0 && pn && n > 1
      ? (sub(pn, p0).map((d) => d / (n - 1)) as Vec)
      : (normal.map((d) => d * (ref.sliceSpacing ?? 1)) as Vec);
  const origin: Vec = p0 ?? [0, 0, 0];
  const m = [0, 1, 2].map((w) => [rowDir[w]! * cs, colDir[w]! * rs, step[w]!, origin[w]!]);
  return { m, ok: p0 !== undefined };
}

/**
 * The NIfTI volume of a mask on the grid of its image. A NIfTI source is written back in its own voxel
 * order with its own affine (undoing the display reorientation); other sources get the affine of their
 * DICOM geometry (LPS turned into NIfTI's RAS), or of their pixel spacing when they have none.
 */
export function niftiMaskVolume(mask: MaskStack, ref: MaskReference): NiftiVolume {
  const series = `Series ${ref.seriesKey ?? 'without a name'}`;
  if (mask.rows !== ref.rows || mask.cols !== ref.cols || mask.slices.length !== ref.slices.length) {
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${series}: the mask is ${mask.cols}x${mask.rows}x${mask.slices.length}, the image ${ref.cols}x${ref.rows}x${ref.slices.length}`,
      { volume: ref.seriesKey },
    );
  }
  // A DICOM series is placed by its own tags; guessing an identity affine would misplace it silently.
  // (A single 2-D DICOM image without them, e.g. ultrasound, gets its pixel spacing, as a PNG does.)
  if (
    ref.format === 'dicom' &&
    ref.slices.length > 1 &&
    (!ref.orientation || ref.slices.some((s) => !s.position))
  )
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${series}: has no ImagePositionPatient/ImageOrientationPatient, so a NIfTI cannot be placed in the patient`,
      { volume: ref.seriesKey },
    );
  const wide = mask.slices.some((s) => s instanceof Uint16Array);
  const Out = wide ? Uint16Array : Uint8Array;
  const meta = ref.meta;
  if (
    ref.format === 'nifti' &&
    Array.isArray(meta.dims) &&
    Array.isArray(meta.affine) &&
    Array.isArray(meta.displayAxes)
  ) {
    const dims = meta.dims.slice(0, 3) as [number, number, number];
    const axes = meta.displayAxes;
    const flips = (meta.displayFlips as number[] | undefined) ?? [0, 0, 0];
    const data = new Out(dims[0] * dims[1] * dims[2]);
    const strides = [1, dims[0], dims[0] * dims[1]];
    mask.slices.forEach((slice, k) => {
      for (let r = 0; r < mask.rows; r++) {
        for (let c = 0; c < mask.cols; c++) {
          const disp = [c, r, k];
          let idx = 0;
          for (let a = 0; a < 3; a++) {
            const src = axes[a]!;
            const v = flips[a] ? dims[src]! - 1 - disp[a]! : disp[a]!;
            idx += v * strides[src]!;
          }
          data[idx] = slice[r * mask.cols + c]!;
        }
      }
    });
    const sform = typeof meta.sformCode === 'number' && meta.sformCode > 0 ? meta.sformCode : 2;
    return { data, dims, affine: meta.affine, sformCode: sform };
  }
  const { m } = stackToLps(ref);
  // LPS -> RAS: negate the x and y rows.
  const affine = [...m[0]!.map((v) => -v), ...m[1]!.map((v) => -v), ...m[2]!, 0, 0, 0, 1];
  const data = new Out(ref.cols * ref.rows * ref.slices.length);
  mask.slices.forEach((s, k) => data.set(s, k * ref.rows * ref.cols));
  return { data, dims: [ref.cols, ref.rows, ref.slices.length], affine };
}

export function writeNiftiMask(mask: MaskStack, ref: MaskReference, gzip = true): Uint8Array {
  return writeNifti(niftiMaskVolume(mask, ref), gzip);
}
