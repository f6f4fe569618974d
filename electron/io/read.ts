import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import { badFile, describe, unsupported } from './errors.js';
import { looksLikeDicom } from './dicom/parse.js';
import { readDicomFile } from './dicom/stack.js';
import { readBytes, unwrapGzip } from './bytes.js';
import { looksLikeNifti, readNiftiBytes } from './nifti/read.js';
import { readRasterBytes, sniffRaster } from './raster/read.js';
import type { ImageStack, SourceFormat } from './types.js';

/**
 * Which reader a file's content calls for; extensions are not trusted. DICOM is tested before TIFF because
 * a DICOM preamble may itself be a TIFF header (dual-personality files).
 */
export function sniffFormat(bytes: Uint8Array): SourceFormat | undefined {
  if (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  )
    return 'dicom';
  if (looksLikeNifti(bytes)) return 'nifti';
  const raster = sniffRaster(bytes);
  if (raster) return raster;
  if (looksLikeDicom(bytes)) return 'dicom';
  return undefined;
}

/** Formats recognised only to say clearly that they are not supported. */
function knownUnsupported(bytes: Uint8Array): string | undefined {
  const head = String.fromCharCode(...bytes.subarray(0, 64));
  if (/^# === DATA DESCRIPTION FILE|^# CLINICAL TRYOUT/m.test(head))
    return 'Philips PAR/REC is not supported; convert it to NIfTI';
  // MGH/MGZ: big-endian int32 version 1 followed by three positive dimensions.
  if (bytes.length >= 284) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getInt32(0) === 1 && [4, 8, 12].every((o) => dv.getInt32(o) > 0 && dv.getInt32(o) < 100_000)) {
      return 'FreeSurfer MGH/MGZ is not supported; convert it to NIfTI';
    }
  }
  return undefined;
}

export interface ReadOptions {
  /** 4-D NIfTI: which volume (default 0). */
  volume?: number;
  /** Aborting it stops reading the file (AppError CANCELLED). */
  signal?: AbortSignal;
}

/** Reads any supported image file into a stack. Errors are AppErrors naming the file. */
export async function readImageFile(path: string, opts: ReadOptions = {}): Promise<ImageStack> {
  try {
    const bytes = await readBytes(path, opts.signal ? { signal: opts.signal } : {});
    return await readImageBytes(path, bytes, opts);
  } catch (err) {
    throw asFileError(path, err);
  }
}

export async function readImageBytes(
  path: string,
  input: Uint8Array,
  opts: ReadOptions = {},
): Promise<ImageStack> {
  try {
    return await readUnwrapped(path, unwrapGzip(path, input), opts);
  } catch (err) {
    throw asFileError(path, err);
  }
}

async function readUnwrapped(path: string, bytes: Uint8Array, opts: ReadOptions): Promise<ImageStack> {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'dicom':
      return readDicomFile(path, bytes);
    case 'nifti':
      return readNiftiBytes(path, bytes, opts.volume ?? 0);
    case 'png':
    case 'jpeg':
    case 'tiff':
      return readRasterBytes(path, bytes, format);
    default: {
      const known = knownUnsupported(bytes);
      if (known) throw unsupported(path, known);
      throw unsupported(path, 'format not recognised (not DICOM, NIfTI, PNG, JPEG or TIFF)');
    }
  }
}

/**
 * Anything a reader lets escape becomes an AppError: system errors keep their codes (NOT_FOUND, ...),
 * a third-party decoder's exception on malformed input becomes BAD_FILE with its message.
 */
export function asFileError(path: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const sys = toAppError(err);
  if (sys.code !== ErrorCode.INTERNAL) return sys;
  if (err instanceof RangeError && /Array buffer allocation|Invalid typed array length/.test(err.message)) {
    return new AppError(ErrorCode.TOO_LARGE, `${path}: too large to decode in memory`, { path });
  }
  return badFile(path, `cannot be read (${describe(err)})`);
}
