import { readdir, readlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { dicomStack, loadDicomImage, parseDicomHeader, refuseNonImage } from './dicom/stack.js';
import { notRegularFile, readBytes } from './bytes.js';
import type { DicomImage } from './dicom/stack.js';
import type { DicomInfo } from './dicom/header.js';
import { unsupported } from './errors.js';
import { asFileError, readImageBytes, sniffFormat } from './read.js';
import type { ImageStack, ScanResult, SkippedFile } from './types.js';

/** Where a scan is: 'reading' looks at every file once; 'series' decodes the DICOM files, series by series. */
export interface ScanProgress {
  phase: 'reading' | 'series';
  done: number;
  total: number;
}

export interface ScanOptions {
  /** Stop listing after this many entries (a safety bound for a mistaken choice such as a home folder). */
  maxFiles?: number;
  /** Aborting it ends the scan with AppError(CANCELLED), also in the middle of reading a file. */
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
}

/** One result of a scan: an image stack ready to store, or a file that is not imported and why. */
export type ScanItem = { stack: ImageStack } | { skipped: SkippedFile };

const LINK_NOTE =
  '(links are not followed: nothing outside the chosen folder is read, nothing inside it twice)';

function skippedOf(path: string, err: unknown): SkippedFile {
  const e = asFileError(path, err);
  return { path, code: e.code, reason: e.message };
}

/**
 * Regular files under `root` and all its subfolders, sorted, and every other entry as skipped with the
 * reason, since an import reports what it did not read (util/files.ts' listFiles is the one-folder
 * listing that pairs files by name): symbolic links (never followed: they may leave the folder, loop, or
 * name a file that is imported anyway), FIFOs, sockets and devices. Hidden entries (".DS_Store", ".git")
 * are passed over silently.
 */
async function walkFolder(root: string, max: number): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const pending = [root];
  while (pending.length > 0 && files.length + skipped.length < max) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.') || files.length + skipped.length >= max) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) pending.push(p);
      else if (e.isFile()) files.push(p);
      else if (e.isSymbolicLink()) {
        // A link removed since the listing has no target to name; it is skipped all the same.
        const target = await readlink(p).then(
          (t) => resolve(dirname(p), t),
          () => undefined,
        );
        const to = target === undefined ? '' : ` to ${target}`;
        skipped.push(skippedOf(p, unsupported(p, `symbolic link${to} ${LINK_NOTE}`, { target })));
      } else {
        skipped.push(skippedOf(p, unsupported(p, `is ${notRegularFile(e)}, not a regular file`)));
      }
    }
  }
  files.sort();
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}

/** Series key: one stack per series and image size (a series may mix localisers of another size). */
function groupKey(info: DicomInfo): string {
  const o = info.orientation?.map((v) => v.toFixed(3)).join(',') ?? '';
  // Colour models all decode to RGB, so they group together, as the decoded images would.
  const colour = info.samplesPerPixel === 3 ? 'RGB' : info.photometric;
  return [info.seriesInstanceUid || info.path, info.rows, info.cols, info.samplesPerPixel, colour, o].join(
    '|',
  );
}

function rethrowCancel(err: unknown): void {
  if (err instanceof AppError && err.code === ErrorCode.CANCELLED) throw err;
}

/**
 * Reads a folder as a stream of stacks, so that memory is bounded by the largest series, not by the
 * folder: a NIfTI or raster file is read and handed on before the next file is touched; DICOM files are
 * only parsed (header) and grouped while the folder is read, then each series is read again, decoded,
 * stacked and handed on before the next. Whatever is not an importable image comes as `skipped` with the
 * reason, never as an exception; only a cancel throws. An item's `stack` is taken off it when the next
 * item is asked for (so that two series are never held at once): keep `item.stack`, not `item`.
 */
export async function* scanFolderStream(root: string, opts: ScanOptions = {}): AsyncGenerator<ScanItem> {
  const { signal } = opts;
  const cancelled = () => {
    if (signal?.aborted) throw new AppError(ErrorCode.CANCELLED, `Reading ${root} was cancelled`);
  };
  let listed: Awaited<ReturnType<typeof walkFolder>>;
  try {
    listed = await walkFolder(root, opts.maxFiles ?? 100_000);
  } catch (err) {
    throw asFileError(root, err);
  }
  for (const skipped of listed.skipped) yield { skipped };

  const { files } = listed;
  const series = new Map<string, string[]>();
  for (let i = 0; i < files.length; i++) {
    cancelled();
    const path = files[i]!;
    let item: ScanItem | undefined;
    try {
      const bytes = await readBytes(path, { signal });
      if (sniffFormat(bytes) === 'dicom') {
        const { info } = parseDicomHeader(path, bytes);
        refuseNonImage(info);
        const key = groupKey(info);
        const paths = series.get(key);
        if (paths) paths.push(path);
        else series.set(key, [path]);
      } else {
        item = { stack: await readImageBytes(path, bytes) };
      }
    } catch (err) {
      rethrowCancel(err);
      item = { skipped: skippedOf(path, err) };
    }
    if (item) yield item;
    opts.onProgress?.({ phase: 'reading', done: i + 1, total: files.length });
  }

  const total = [...series.values()].reduce((n, paths) => n + paths.length, 0);
  let done = 0;
  for (const paths of series.values()) {
    const images: DicomImage[] = [];
    for (const path of paths) {
      cancelled();
      try {
        images.push(await loadDicomImage(path, await readBytes(path, { signal })));
      } catch (err) {
        rethrowCancel(err);
        yield { skipped: skippedOf(path, err) };
      }
      opts.onProgress?.({ phase: 'series', done: ++done, total });
    }
    if (images.length === 0) continue;
    // The stack lives only in the item (no variable of this suspended frame holds it): see below.
    let item: ScanItem;
    try {
      item = { stack: dicomStack(images) };
    } catch (err) {
      const e = asFileError(images[0]!.info.path, err);
      for (const im of images) yield { skipped: { path: im.info.path, code: e.code, reason: e.message } };
      continue;
    }
    images.length = 0; // the stack holds what it needs; the parsed files can go before the consumer runs
    yield item;
    // The consumer asks for the next series when it is done with this one: let this one go now, or the
    // reference kept by this generator's suspended frame holds it while the next series is read.
    Reflect.deleteProperty(item, 'stack');
  }
}

/** Reads every file under a folder at once (see scanFolderStream): for callers that want every stack. */
export async function scanFolder(root: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const stacks: ImageStack[] = [];
  const skipped: SkippedFile[] = [];
  for await (const item of scanFolderStream(root, opts)) {
    if ('stack' in item) stacks.push(item.stack);
    else skipped.push(item.skipped);
  }
  return { stacks, skipped };
}
