import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { dicomStack, loadDicomImage } from './dicom/stack.js';
import { readBytes } from './bytes.js';
import type { DicomImage } from './dicom/stack.js';
import { asFileError, readImageBytes, sniffFormat } from './read.js';
import type { ImageStack, ScanResult, SkippedFile } from './types.js';

export interface ScanOptions {
  /** Stop listing after this many files (a safety bound for a mistaken choice such as a home folder). */
  maxFiles?: number;
  onProgress?: (done: number, total: number) => void;
}

async function listFiles(root: string, max: number): Promise<string[]> {
  const out: string[] = [];
  const pending = [root];
  while (pending.length > 0 && out.length < max) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      // Symbolic links are not followed: they can loop.
      if (e.isDirectory()) pending.push(p);
      else if (e.isFile() && out.length < max) out.push(p);
    }
  }
  return out.sort();
}

/** Series key: one stack per series and image size (a series may mix localisers of another size). */
function groupKey(im: DicomImage): string {
  const { info, pixels } = im;
  const o = info.orientation?.map((v) => v.toFixed(3)).join(',') ?? '';
  return [
    info.seriesInstanceUid || info.path,
    info.rows,
    info.cols,
    pixels.samplesPerPixel,
    pixels.photometric,
    o,
  ].join('|');
}

/**
 * Reads every file under a folder: DICOM files are grouped into series and ordered along the slice
 * normal; NIfTI and raster files become one stack each. Whatever is not an importable image is listed
 * in `skipped` with the reason, never thrown.
 */
export async function scanFolder(root: string, opts: ScanOptions = {}): Promise<ScanResult> {
  let files: string[];
  try {
    files = await listFiles(root, opts.maxFiles ?? 100_000);
  } catch (err) {
    throw asFileError(root, err);
  }
  const skipped: SkippedFile[] = [];
  const stacks: ImageStack[] = [];
  const series = new Map<string, DicomImage[]>();
  for (let i = 0; i < files.length; i++) {
    const path = files[i]!;
    try {
      const bytes = await readBytes(path);
      if (sniffFormat(bytes) === 'dicom') {
        const im = await loadDicomImage(path, bytes);
        const key = groupKey(im);
        series.set(key, [...(series.get(key) ?? []), im]);
      } else {
        stacks.push(await readImageBytes(path, bytes));
      }
    } catch (err) {
      const e = err instanceof AppError ? err : asFileError(path, err);
      skipped.push({ path, code: e.code, reason: e.message });
    }
    opts.onProgress?.(i + 1, files.length);
  }
  for (const images of series.values()) {
    try {
      stacks.push(dicomStack(images));
    } catch (err) {
      const e = asFileError(images[0]!.info.path, err);
      for (const im of images) skipped.push({ path: im.info.path, code: e.code, reason: e.message });
    }
  }
  return { stacks, skipped };
}
