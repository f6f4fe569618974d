import * as nifti from 'nifti-reader-js';
import { badFile, checkDimensions, describe, unsupported } from '../errors.js';
import { rescaleSlices } from '../rescale.js';
import { rangeOf } from '../stats.js';
import type { ImageStack, PixelArray, Slice } from '../types.js';
import { displayAxes } from './orient.js';
import type { DisplayAxes } from './orient.js';

type Header = ReturnType<typeof nifti.readHeader>;

/** NIfTI datatype code -> how to read one sample. RGB24 is three interleaved bytes per voxel. */
const TYPES: Record<
  number,
  { name: string; bytes: number; samples: 1 | 3; make: (n: number) => PixelArray }
> = {
  2: { name: 'uint8', bytes: 1, samples: 1, make: (n) => new Uint8Array(n) },
  4: { name: 'int16', bytes: 2, samples: 1, make: (n) => new Int16Array(n) },
  8: { name: 'int32', bytes: 4, samples: 1, make: (n) => new Int32Array(n) },
  16: { name: 'float32', bytes: 4, samples: 1, make: (n) => new Float32Array(n) },
  64: { name: 'float64', bytes: 8, samples: 1, make: (n) => new Float32Array(n) },
  128: { name: 'rgb24', bytes: 1, samples: 3, make: (n) => new Uint8Array(n) },
  256: { name: 'int8', bytes: 1, samples: 1, make: (n) => new Int8Array(n) },
  512: { name: 'uint16', bytes: 2, samples: 1, make: (n) => new Uint16Array(n) },
  768: { name: 'uint32', bytes: 4, samples: 1, make: (n) => new Uint32Array(n) },
};

export function looksLikeNifti(bytes: Uint8Array): boolean {
  if (bytes.length < 348) return false;
  const ab = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + Math.min(bytes.length, 552),
  ) as ArrayBuffer;
  return nifti.isNIFTI(ab);
}

export interface NiftiVolumeInfo {
  header: Header;
  version: 1 | 2;
  nx: number;
  ny: number;
  nz: number;
  volumes: number;
  type: (typeof TYPES)[number];
}

/**
 * The header alone, with the extension flag cleared: extensions are not needed, and nifti-reader-js walks
 * them by their declared sizes (a negative size would send it back and forth forever).
 */
function headerBytes(bytes: Uint8Array): ArrayBuffer {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 8));
  const size =
    bytes.length >= 4 && (dv.getInt32(0, true) === 540 || dv.getInt32(0, false) === 540) ? 540 : 348;
  const out = new Uint8Array(size + 4);
  out.set(bytes.subarray(0, Math.min(bytes.length, size)));
  return out.buffer;
}

export function readNiftiHeader(path: string, bytes: Uint8Array): NiftiVolumeInfo {
  const ab = headerBytes(bytes);
  let header: Header;
  try {
    header = nifti.readHeader(ab);
  } catch (err) {
    throw badFile(path, `NIfTI header is unreadable (${describe(err)})`);
  }
  if (!header) throw badFile(path, 'not a NIfTI file');
  const dims = header.dims;
  const ndim = dims[0] ?? 0;
  // CIFTI-2 files are NIfTI-2 containers for surface/connectivity matrices (intent codes 3000-3099).
  if (header.intent_code >= 3000 && header.intent_code < 3100) {
    throw unsupported(
      path,
      `is a CIFTI-2 file (intent ${header.intent_code}), a matrix on brain surfaces, not an image`,
    );
  }
  if (ndim < 2 || ndim > 7) throw badFile(path, `NIfTI header has ${ndim} dimensions`);
  const d = (i: number): number => (i <= ndim ? (dims[i] ?? 1) : 1);
  for (let i = 5; i <= ndim; i++) {
    if (d(i) > 1)
      throw unsupported(
        path,
        `NIfTI images with more than 4 dimensions are not supported (dim${i} = ${d(i)})`,
      );
  }
  const type = TYPES[header.datatypeCode];
  if (!type) throw unsupported(path, `NIfTI datatype ${header.datatypeCode} is not supported`);
  const version = header instanceof nifti.NIFTI2 ? 2 : 1;
  checkVoxOffset(path, header.vox_offset);
  checkGeometry(path, header, version);
  return { header, version, nx: d(1), ny: d(2), nz: d(3), volumes: d(4), type };
}

/** A data offset that is not a position in the file: said as such, not as "truncated". */
function checkVoxOffset(path: string, offset: number): void {
  const why = !Number.isFinite(offset) ? 'not a finite number' : offset < 0 ? 'negative' : undefined;
  if (why) {
    throw badFile(path, `invalid vox_offset ${offset} (${why}): where the image data starts is unknown`, {
      voxOffset: offset,
    });
  }
}

/**
 * The voxel-to-world matrix gives spacing, orientation and slice positions: one NaN or infinity in it
 * would be stored as the image's geometry, so the file is refused here, naming the header fields that
 * produced the matrix (the same choice of qform, sform or pixdim nifti-reader-js made).
 */
function checkGeometry(path: string, header: Header, version: 1 | 2): void {
  const bad = header.affine
    .slice(0, 3)
    .flatMap((row) => row.slice(0, 4))
    .find((v) => !Number.isFinite(v));
  if (bad === undefined) return;
  const source =
    version === 2 || (header.sform_code > 0 && !(header.qform_code > header.sform_code))
      ? 'the sform (srow_x, srow_y, srow_z)'
      : header.qform_code > 0
        ? 'the qform (pixdim, quatern_b/c/d, qoffset)'
        : `pixdim [${header.pixDims.slice(1, 4).join(', ')}]`;
  throw badFile(path, `voxel geometry is not finite (${bad} in ${source})`, { field: 'affine' });
}

/** Reads one 3-D volume (`volume` of a 4-D file) as a stack of axial slices in display orientation. */
export function readNiftiBytes(path: string, bytes: Uint8Array, volume = 0): ImageStack {
  const v = readNiftiHeader(path, bytes);
  const { header, nx, ny, nz, type } = v;
  if (!Number.isInteger(volume) || volume < 0 || volume >= v.volumes) {
    throw badFile(path, `volume ${volume} does not exist (the file has ${v.volumes})`, {
      volumes: v.volumes,
    });
  }
  checkDimensions(path, {
    rows: Math.max(nx, ny, nz),
    cols: Math.max(nx, ny, nz),
    frames: 1,
    samples: 1,
    bytesPerSample: 1,
  });
  checkDimensions(path, {
    rows: ny,
    cols: nx,
    frames: nz,
    samples: type.samples,
    bytesPerSample: type.bytes,
  });
  const voxels = nx * ny * nz;
  const volBytes = voxels * type.samples * type.bytes;
  const start = header.vox_offset + volume * volBytes;
  if (start + volBytes > bytes.length) {
    throw badFile(
      path,
      `image data is truncated: ${Math.max(0, bytes.length - start)} of ${volBytes} bytes present`,
    );
  }
  const data = readSamples(bytes, start, voxels * type.samples, type, header.littleEndian);
  const axes = displayAxes(header.affine, [nx, ny, nz]);
  const raw = reorient(data, [nx, ny, nz], type.samples, axes, type.make);

  // scl_slope 0 means "no scaling" (NIfTI-1 standard); NaN likewise.
  const scaled = Number.isFinite(header.scl_slope) && header.scl_slope !== 0;
  const slope = scaled ? header.scl_slope : 1;
  const intercept = scaled && Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  const { slices: pixels, range } =
    type.samples === 3
      ? { slices: raw, range: rangeOf(raw) }
      : rescaleSlices(
          raw,
          raw.map(() => ({ slope, intercept })),
        );
  const slices: Slice[] = pixels.map((p, k) => ({
    pixels: p,
    position: axes.position(k),
    provenance: { path, frameIndex: axes.sourceSlice(k), volumeIndex: volume },
  }));
  const calValid = header.cal_max > header.cal_min;
  return {
    format: 'nifti',
    files: [path],
    modality: 'OT',
    rows: axes.rows,
    cols: axes.cols,
    samplesPerPixel: type.samples,
    photometric: type.samples === 3 ? 'RGB' : 'MONOCHROME2',
    slices,
    pixelSpacing: axes.pixelSpacing,
    sliceSpacing: axes.sliceSpacing,
    orientation: axes.orientation,
    ...(type.samples === 1
      ? {
          window: calValid
            ? { center: (header.cal_max + header.cal_min) / 2, width: header.cal_max - header.cal_min }
            : { center: (range.min + range.max) / 2, width: Math.max(range.max - range.min, 1e-6) },
        }
      : {}),
    range,
    seriesKey: `${path}#${volume}`,
    ...(header.description.trim() ? { seriesDescription: header.description.trim() } : {}),
    meta: {
      niftiVersion: v.version,
      datatype: type.name,
      dims: [nx, ny, nz, v.volumes],
      volumes: v.volumes,
      volume,
      qformCode: header.qform_code,
      sformCode: header.sform_code,
      sclSlope: slope,
      sclInter: intercept,
      affine: header.affine.flat(),
      displayAxes: axes.sourceAxes,
      displayFlips: axes.flips.map(Number),
    },
  };
}

function readSamples(
  bytes: Uint8Array,
  start: number,
  n: number,
  type: (typeof TYPES)[number],
  littleEndian: boolean,
): PixelArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, n * type.bytes);
  const out = type.make(n);
  const get: (i: number) => number =
    type.name === 'float64'
      ? (i) => view.getFloat64(i * 8, littleEndian)
      : type.name === 'float32'
        ? (i) => view.getFloat32(i * 4, littleEndian)
        : type.name === 'int16'
          ? (i) => view.getInt16(i * 2, littleEndian)
          : type.name === 'uint16'
            ? (i) => view.getUint16(i * 2, littleEndian)
            : type.name === 'int32'
              ? (i) => view.getInt32(i * 4, littleEndian)
              : type.name === 'uint32'
                ? (i) => view.getUint32(i * 4, littleEndian)
                : type.name === 'int8'
                  ? (i) => view.getInt8(i)
                  : (i) => view.getUint8(i);
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

/** Copies the volume into slices along the display axes (flipping and permuting source axes). */
function reorient(
  data: PixelArray,
  dims: [number, number, number],
  samples: number,
  axes: DisplayAxes,
  make: (n: number) => PixelArray,
): PixelArray[] {
  const strides = [samples, dims[0] * samples, dims[0] * dims[1] * samples];
  const [ac, ar, as] = axes.sourceAxes;
  const [fc, fr, fs] = axes.flips;
  const sc = strides[ac]! * (fc ? -1 : 1);
  const sr = strides[ar]! * (fr ? -1 : 1);
  const ss = strides[as]! * (fs ? -1 : 1);
  const base =
    (fc ? (dims[ac]! - 1) * strides[ac]! : 0) +
    (fr ? (dims[ar]! - 1) * strides[ar]! : 0) +
    (fs ? (dims[as]! - 1) * strides[as]! : 0);
  const out: PixelArray[] = [];
  for (let k = 0; k < axes.slices; k++) {
    const slice = make(axes.rows * axes.cols * samples);
    let o = 0;
    for (let r = 0; r < axes.rows; r++) {
      let src = base + k * ss + r * sr;
      for (let c = 0; c < axes.cols; c++, src += sc) {
        for (let s = 0; s < samples; s++) slice[o++] = data[src + s]!;
      }
    }
    out.push(slice);
  }
  return out;
}
