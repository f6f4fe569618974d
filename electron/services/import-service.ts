/**
 * Import of images (and, optionally, their ground-truth masks) into the open project, run as a job:
 * read (DICOM series, NIfTI volumes, PNG/JPEG/TIFF) -> store every slice with its provenance, one stack
 * at a time as the folder scan hands it on, so memory is bounded by the largest series; slices are
 * written in batches (import-batch.ts). A file
 * that cannot be imported is reported with its reason and the job goes on; a cancelled import keeps
 * what it stored so far, and importing the same folder again skips what is already there.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { ImportSummary } from '../../shared/dto.js';
import { readImageFile } from '../io/read.js';
import { scanFolderStream } from '../io/scan.js';
import type { ScanItem } from '../io/scan.js';
import type { FileWarning, ImageStack, PixelArray, SkippedFile } from '../io/types.js';
import { stackGeometry, volumeProblem } from '../io/volume.js';
import type { Dataset, DatasetRole } from '../store/datasets.js';
import type { PixelDtype, SourceKind } from '../store/images.js';
import type { ProjectStore } from '../store/project-store.js';
import { fileStem, filesByStem } from '../util/files.js';
import { ImportBatch } from './import-batch.js';
import type { JobContext } from './job-manager.js';
import { readManifest } from './manifest.js';

export interface ImportRequest {
  /** A file or a folder (searched recursively). */
  path: string;
  /** The dataset to add to; created when it does not exist. */
  dataset: string;
  role: DatasetRole;
  /** A folder of ground-truth masks, paired with images by file name (without extension). */
  masksPath?: string;
  /** A CSV giving each image's case/patient, pixel size and split (see manifest.ts). */
  manifestPath?: string;
}

export async function importImages(
  store: ProjectStore,
  req: ImportRequest,
  ctx: JobContext<'import'>,
): Promise<ImportSummary> {
  const path = resolve(req.path);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new AppError(ErrorCode.NOT_FOUND, `Nothing to import: ${path} does not exist`, { path });
  }
  const masks = req.masksPath ? filesByStem(resolve(req.masksPath), 'masks') : null;
  const manifest = req.manifestPath ? readManifest(resolve(req.manifestPath)) : null;

  ctx.progress({ phase: 'reading', done: 0, total: 0 });
  const skipped: SkippedFile[] = [];
  const warnings: FileWarning[] = [];
  // Each stack is stored as soon as it is read, so memory holds one series at a time, never the folder.
  const items: AsyncIterable<ScanItem> = isDir
    ? scanFolderStream(path, {
        signal: ctx.signal,
        onProgress: ({ phase, done, total }) => ctx.progress({ phase, done, total }),
      })
    : readOneFile(path, ctx.signal);
  // Created with the first image, so that an import of nothing readable leaves no empty dataset behind.
  let dataset = undefined as Dataset | undefined;
  let stacks = 0;
  let imported = 0;
  let duplicates = 0;
  let withMasks = 0;
  // Slices are stored in batches (import-batch.ts); a cancel stores what was read before it ends the job.
  const batch = new ImportBatch(store);
  const cancelPoint = async () => {
    if (ctx.signal.aborted) await batch.flush();
    ctx.throwIfCancelled();
  };

  // One stack is stored by one call: whatever refers to it goes with the call's frame when it returns,
  // not when a variable of this long-lived loop is next overwritten (after the next series is read).
  const storeStack = async (stack: ImageStack): Promise<void> => {
    await cancelPoint();
    stacks++;
    dataset ??=
      store.datasets.byName(req.dataset) ??
      store.datasets.add({ name: req.dataset, role: req.role, sourcePath: path });
    const mask = masks ? await maskFor(stack, masks, skipped, ctx.signal) : undefined;
    const listed = manifest?.get(fileStem(stack.files[0]!));
    // A file decoded with a warning is imported and shown; each of its images keeps the warning.
    const warningsOf = (file: string): string[] =>
      (stack.warnings ?? []).filter((w) => w.path === file).map((w) => w.warning);
    const storedFrom = new Set<string>();
    // Each slice keeps its place in the series; a series that is no regular volume is imported (its
    // slices train one by one) with a warning naming it, and left out of per-volume metrics and exports.
    const geometry = stackGeometry(stack);
    const problem = volumeProblem(stack);
    for (let k = 0; k < stack.slices.length; k++) {
      await cancelPoint();
      const slice = stack.slices[k]!;
      const frameIndex = slice.provenance.frameIndex;
      const sliceIndex = stack.slices.length > 1 ? k : null;
      if (store.images.findBySource(dataset.id, slice.provenance.path, frameIndex, sliceIndex)) {
        duplicates++;
      } else {
        await batch.add(
          {
            datasetId: dataset.id,
            rows: stack.rows,
            cols: stack.cols,
            channels: stack.samplesPerPixel,
            dtype: dtypeOf(slice.pixels),
            spacing: stack.pixelSpacing ?? listed?.spacing ?? null,
            split: listed?.split ?? null,
            warnings: warningsOf(slice.provenance.path),
            geometry: geometry[k] ?? null,
            source: {
              kind: sourceKind(stack.format),
              path: slice.provenance.path,
              frameIndex,
              sliceIndex,
              studyUid: stack.studyInstanceUid ?? null,
              seriesUid: stack.format === 'dicom' ? stack.seriesKey : null,
              sopUid: slice.provenance.sopInstanceUid ?? null,
              caseId: listed?.caseId ?? caseIdOf(stack),
              patientId: typeof stack.meta.patientId === 'string' ? stack.meta.patientId : null,
            },
          },
          littleEndianBytes(slice.pixels),
          mask?.[k],
        );
        if (mask) withMasks++;
        imported++;
        storedFrom.add(slice.provenance.path);
      }
    }
    // A series is stored before the next is read: a batch still holding some of its slices would keep
    // its whole buffer alive next to the next series, and memory would be two series, not one.
    if (stack.slices.length > 1) await batch.flush();
    // Reported only for files stored now: a re-import that adds nothing repeats no warning.
    warnings.push(...(stack.warnings ?? []).filter((w) => storedFrom.has(w.path)));
    if (problem && storedFrom.size) warnings.push({ path: stack.files[0]!, warning: problem });
  };

  for await (const item of flushedOnCancel(items, batch)) {
    if ('skipped' in item) skipped.push(item.skipped);
    else await storeStack(item.stack);
  }
  await batch.flush();
  ctx.throwIfCancelled();
  // Nothing readable: no dataset is created (an empty one would become every screen's default).
  if (!dataset) {
    const why = skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`);
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      skipped.length === 0
        ? `Nothing imported: ${path} holds no DICOM, NIfTI, PNG, JPEG or TIFF image; no dataset was created`
        : `Nothing imported: none of the ${skipped.length} file(s) in ${path} could be read, so no dataset was created (${why.join('; ')}${skipped.length > 3 ? '; ...' : ''})`,
      { path, skipped: skipped.slice(0, 50) },
    );
  }
  return {
    datasetId: dataset.id,
    dataset: dataset.name,
    imported,
    duplicates,
    withMasks,
    stacks,
    skipped,
    warnings,
  };
}

/** The scan's items; a cancel that ends the scan itself first stores the slices read before it. */
async function* flushedOnCancel<T>(items: AsyncIterable<T>, batch: ImportBatch): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (err) {
    if (err instanceof AppError && err.code === ErrorCode.CANCELLED) await batch.flush();
    throw err;
  }
}

/** A single chosen file as a scan of one: its stack, or the reason it is skipped (a cancel throws). */
async function* readOneFile(path: string, signal: AbortSignal): AsyncGenerator<ScanItem> {
  let item: ScanItem;
  try {
    item = { stack: await readImageFile(path, { signal }) };
  } catch (err) {
    if (!(err instanceof AppError) || err.code === ErrorCode.CANCELLED) throw err;
    item = { skipped: { path, code: err.code, reason: err.message } };
  }
  yield item;
}

/** Reads the mask that pairs with a stack, as one Uint8 label image per slice; a mismatch is reported. */
async function maskFor(
  stack: ImageStack,
  masks: Map<string, string>,
  skipped: SkippedFile[],
  signal: AbortSignal,
): Promise<Uint8Array[] | undefined> {
  const file = masks.get(fileStem(stack.files[0]!));
  if (!file) return undefined;
  let m: ImageStack;
  try {
    m = await readImageFile(file, { signal });
  } catch (err) {
    if (!(err instanceof AppError) || err.code === ErrorCode.CANCELLED) throw err;
    skipped.push({ path: file, code: err.code, reason: err.message });
    return undefined;
  }
  if (m.rows !== stack.rows || m.cols !== stack.cols || m.slices.length !== stack.slices.length) {
    skipped.push({
      path: file,
      code: ErrorCode.INVALID_ARGUMENT,
      reason: `${file}: mask is ${m.cols}x${m.rows}x${m.slices.length}, its image ${stack.files[0]} is ${stack.cols}x${stack.rows}x${stack.slices.length}`,
    });
    return undefined;
  }
  return m.slices.map((s) => toLabels(s.pixels, m.samplesPerPixel));
}

/** Label values as Uint8: colour masks use their first channel; values above 255 saturate. */
function toLabels(p: PixelArray, channels: number): Uint8Array {
  const n = p.length / channels;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = p[i * channels]!;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

function dtypeOf(p: PixelArray): PixelDtype {
  if (p instanceof Uint8Array) return 'uint8';
  if (p instanceof Int8Array) return 'int8';
  if (p instanceof Uint16Array) return 'uint16';
  if (p instanceof Int16Array) return 'int16';
  if (p instanceof Uint32Array) return 'uint32';
  if (p instanceof Int32Array) return 'int32';
  return 'float32';
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The store keeps pixels little-endian whatever machine wrote them. */
function littleEndianBytes(p: PixelArray): Uint8Array {
  const bytes = new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
  if (LITTLE_ENDIAN || p.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = p.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let j = 0; j < w; j++) out[i + j] = bytes[i + w - 1 - j]!;
  return out;
}

function sourceKind(format: ImageStack['format']): SourceKind {
  return format === 'tiff' ? 'other' : format;
}

/** The grouping that keeps one patient's slices in one split: DICOM patient, else the series/volume. */
function caseIdOf(stack: ImageStack): string {
  const patient = stack.meta.patientId;
  return typeof patient === 'string' && patient !== '' ? patient : stack.seriesKey;
}
