/**
 * Training/evaluation samples: an image (scaled to [0, 1]) and its target on the image's own grid, from
 * folders paired by file name or from a project's store; then resized to the model's input. Bad input
 * (no pairs, an unreadable file, an image/mask size mismatch) is an AppError naming the files.
 */
import { resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readImageFile } from '../io/read.js';
import type { ImageStack } from '../io/types.js';
import { filesByStem } from '../util/files.js';
import { resizeBilinear } from '../engine/image/resize.js';
import { convertChannels, toUnit } from './image-ops.js';

/** How mask values become targets: non-zero = 1; value/255 as a probability; value = class index. */
export type TargetMode = 'binary' | 'soft' | 'labels';

export interface Sample {
  id: string;
  /** Patient/case grouping for the validation split. */
  caseId: string;
  rows: number;
  cols: number;
  channels: number;
  /** rows x cols x channels, interleaved, in [0, 1]. */
  image: Float32Array;
  /** rows x cols raw mask values (0..255), or null for prediction-only samples. */
  mask: Uint8Array | null;
  spacing: [number, number] | null;
  imagePath?: string;
  maskPath?: string;
}

/** A sample at model resolution: x is size x size x inChannels, y is size x size x targetChannels. */
export interface Prepared {
  id: string;
  x: Float32Array;
  y: Float32Array;
}

/** The first slice of a file as [0, 1] floats (images) or raw 8-bit values (masks). */
async function readFirstSlice(path: string): Promise<ImageStack> {
  const stack = await readImageFile(path);
  if (stack.slices.length === 0) throw new AppError(ErrorCode.BAD_FILE, `${path} holds no image`, { path });
  return stack;
}

function maskValues(stack: ImageStack, path: string): Uint8Array {
  const px = stack.slices[0]!.pixels;
  const n = stack.rows * stack.cols;
  const out = new Uint8Array(n);
  const ch = stack.samplesPerPixel;
  for (let i = 0; i < n; i++) {
    const v = px[i * ch]!;
    if (v < 0 || v > 255 || !Number.isInteger(v))
      throw new AppError(ErrorCode.BAD_FILE, `${path} is not a label mask: value ${v} outside 0..255`, {
        path,
      });
    out[i] = v;
  }
  return out;
}

export interface FolderOptions {
  /** Regex on the file stem whose first group is the case id (default: each image is its own case). */
  caseRegex?: RegExp;
  /** Only these ids (file stems). */
  ids?: ReadonlySet<string>;
  /** Masks are optional (prediction); otherwise every image needs one. */
  masksOptional?: boolean;
}

export async function loadFolderSamples(
  imagesDir: string,
  masksDir: string | null,
  opts: FolderOptions = {},
): Promise<{ samples: Sample[]; unpaired: string[] }> {
  const images = filesByStem(resolve(imagesDir), 'images');
  const masks = masksDir ? filesByStem(resolve(masksDir), 'masks') : new Map<string, string>();
  const samples: Sample[] = [];
  const unpaired: string[] = [];
  for (const [id, imagePath] of images) {
    if (opts.ids && !opts.ids.has(id)) continue;
    const maskPath = masks.get(id);
    if (masksDir && !maskPath && !opts.masksOptional) {
      unpaired.push(imagePath);
      continue;
    }
    const img = await readFirstSlice(imagePath);
    let mask: Uint8Array | null = null;
    if (maskPath) {
      const m = await readFirstSlice(maskPath);
      if (m.rows !== img.rows || m.cols !== img.cols)
        throw new AppError(
          ErrorCode.BAD_FILE,
          `Mask ${maskPath} is ${m.cols}x${m.rows} but its image ${imagePath} is ${img.cols}x${img.rows}`,
          { path: maskPath, image: imagePath },
        );
      mask = maskValues(m, maskPath);
    }
    const caseId = opts.caseRegex?.exec(id)?.[1] ?? id;
    samples.push({
      id,
      caseId,
      rows: img.rows,
      cols: img.cols,
      channels: img.samplesPerPixel,
      image: toUnit(img.slices[0]!.pixels),
      mask,
      spacing: img.pixelSpacing ?? null,
      imagePath,
      ...(maskPath ? { maskPath } : {}),
    });
  }
  if (samples.length === 0)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      masksDir
        ? `No image in ${imagesDir} has a mask of the same name in ${masksDir}: the training set is empty`
        : `No image found in ${imagesDir}`,
      { path: imagesDir },
    );
  return { samples, unpaired };
}

/** Image resized to the model grid with the model's channel count (the card's preprocessing). */
export function prepareInput(
  s: Pick<Sample, 'image' | 'rows' | 'cols' | 'channels'>,
  size: number,
  inChannels: number,
): Float32Array {
  const x = convertChannels(s.image, s.rows * s.cols, s.channels, inChannels);
  return resizeBilinear(x, s.rows, s.cols, size, size, { channels: inChannels });
}

/** Target on the model grid: binary/soft targets bilinear (binary re-thresholded), labels one-hot (nearest). */
export function prepareTarget(s: Sample, size: number, mode: TargetMode, classes: number): Float32Array {
  if (!s.mask) throw new AppError(ErrorCode.INVALID_ARGUMENT, `Image ${s.id} has no mask`, { id: s.id });
  const n = s.rows * s.cols;
  if (mode === 'labels') {
    const out = new Float32Array(size * size * classes);
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) {
        const sr = Math.min(s.rows - 1, Math.floor(((r + 0.5) * s.rows) / size));
        const sc = Math.min(s.cols - 1, Math.floor(((c + 0.5) * s.cols) / size));
        const label = s.mask[sr * s.cols + sc]!;
        if (label >= classes)
          throw new AppError(
            ErrorCode.BAD_FILE,
            `Mask of ${s.id} has label ${label} but the model has ${classes} classes`,
            { id: s.id },
          );
        out[(r * size + c) * classes + label] = 1;
      }
    return out;
  }
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = mode === 'soft' ? s.mask[i]! / 255 : s.mask[i]! > 0 ? 1 : 0;
  const y = resizeBilinear(t, s.rows, s.cols, size, size);
  if (mode === 'binary') for (let i = 0; i < y.length; i++) y[i] = y[i]! >= 0.5 ? 1 : 0;
  return y;
}

export function prepare(
  samples: readonly Sample[],
  size: number,
  inChannels: number,
  mode: TargetMode,
  classes: number,
): Prepared[] {
  return samples.map((s) => ({
    id: s.id,
    x: prepareInput(s, size, inChannels),
    y: prepareTarget(s, size, mode, classes),
  }));
}
