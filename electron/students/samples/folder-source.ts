/**
 * Samples from folders of images and masks paired by file name. Listing reads no pixels; each pair is
 * read and checked when it is loaded, with the same rules either way: an unreadable file, a mask whose
 * size differs from its image or a mask value outside 0..255 is an AppError naming the file(s).
 */
import { resolve } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { readImageFile } from '../../io/read.js';
import type { ImageStack } from '../../io/types.js';
import { filesByStem } from '../../util/files.js';
import type { Sample } from './sample.js';
import { toUnit } from '../image-ops.js';
import type { SampleRef, SampleSource } from './source.js';

export interface FolderOptions {
  /** Regex on the file stem whose first group is the case id (default: each image is its own case). */
  caseRegex?: RegExp;
  /** Only these ids (file stems). */
  ids?: ReadonlySet<string>;
  /** Masks are optional (prediction); otherwise every image needs one. */
  masksOptional?: boolean;
}

interface Pair extends SampleRef {
  imagePath: string;
  maskPath?: string;
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

async function readPair(p: Pair): Promise<Sample> {
  const img = await readFirstSlice(p.imagePath);
  let mask: Uint8Array | null = null;
  if (p.maskPath) {
    const m = await readFirstSlice(p.maskPath);
    if (m.rows !== img.rows || m.cols !== img.cols)
      throw new AppError(
        ErrorCode.BAD_FILE,
        `Mask ${p.maskPath} is ${m.cols}x${m.rows} but its image ${p.imagePath} is ${img.cols}x${img.rows}`,
        { path: p.maskPath, image: p.imagePath },
      );
    mask = maskValues(m, p.maskPath);
  }
  return {
    id: p.id,
    caseId: p.caseId,
    rows: img.rows,
    cols: img.cols,
    channels: img.samplesPerPixel,
    image: toUnit(img.slices[0]!.pixels),
    mask,
    spacing: img.pixelSpacing ?? null,
    imagePath: p.imagePath,
    ...(p.maskPath ? { maskPath: p.maskPath } : {}),
  };
}

/**
 * The pairs of two folders as a streaming source (no pixel is read here), and the images left without a
 * mask. No pair at all is an error, said here rather than when training starts.
 */
export function folderSource(
  imagesDir: string,
  masksDir: string | null,
  opts: FolderOptions = {},
): { source: SampleSource; unpaired: string[] } {
  const images = filesByStem(resolve(imagesDir), 'images');
  const masks = masksDir ? filesByStem(resolve(masksDir), 'masks') : new Map<string, string>();
  const pairs: Pair[] = [];
  const unpaired: string[] = [];
  for (const [id, imagePath] of images) {
    if (opts.ids && !opts.ids.has(id)) continue;
    const maskPath = masks.get(id);
    if (masksDir && !maskPath && !opts.masksOptional) {
      unpaired.push(imagePath);
      continue;
    }
    const caseId = opts.caseRegex?.exec(id)?.[1] ?? id;
    pairs.push({ id, caseId, imagePath, ...(maskPath ? { maskPath } : {}) });
  }
  if (pairs.length === 0)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      masksDir
        ? `No image in ${imagesDir} has a mask of the same name in ${masksDir}: the training set is empty`
        : `No image found in ${imagesDir}`,
      { path: imagesDir },
    );
  return { source: { refs: pairs, load: (i) => readPair(pairs[i]!) }, unpaired };
}

/** Every pair of two folders, read into memory (evaluation and small sets). */
export async function loadFolderSamples(
  imagesDir: string,
  masksDir: string | null,
  opts: FolderOptions = {},
): Promise<{ samples: Sample[]; unpaired: string[] }> {
  const { source, unpaired } = folderSource(imagesDir, masksDir, opts);
  const samples: Sample[] = [];
  for (let i = 0; i < source.refs.length; i++) samples.push(await source.load(i));
  return { samples, unpaired };
}
