/**
 * Export of a project's masks as files other tools read: PNG per slice (0/255), NIfTI per volume on the
 * source's own grid, DICOM SEG per DICOM series referencing its source images. Runs as a job; an image
 * without the chosen mask is listed, not guessed.
 */
import { basename, join, resolve } from 'node:path';
import type { MaskExportSummary } from '../../shared/dto.js';
import { readBytes } from '../io/bytes.js';
import { dicomStack, loadDicomImage } from '../io/dicom/stack.js';
import { readImageFile } from '../io/read.js';
import { writePngMask } from '../io/masks/png.js';
import { writeNiftiMask } from '../io/masks/nifti.js';
import { writeDicomSeg } from '../io/masks/seg-write.js';
import type { ImageStack } from '../io/types.js';
import { volumeProblem } from '../io/volume.js';
import type { ImageRecord } from '../store/images.js';
import type { ProjectStore } from '../store/project-store.js';
import { makeDirs, writeFileAtomic } from '../util/atomic-write.js';
import { fileStem } from '../util/files.js';
import type { JobContext } from './job-manager.js';
import { APP_VERSION } from '../util/version.js';

export type MaskLayerChoice = 'reviewed' | 'ground_truth' | 'pseudo_label';
export type MaskFormat = 'png' | 'nifti' | 'dicom-seg';

export interface MaskExportRequest {
  outDir: string;
  format: MaskFormat;
  layer: MaskLayerChoice;
  datasetId?: number;
}

/** The mask of an image for the chosen layer: 'reviewed' is the correction, else the pseudo-label. */
function maskOf(store: ProjectStore, img: ImageRecord, layer: MaskLayerChoice): Uint8Array | null {
  if (layer === 'reviewed') {
    const corrected = store.edits.current(img.id, 'corrected');
    if (corrected) return corrected;
    layer = 'pseudo_label';
  }
  const m = store.masks.latest(img.id, layer);
  return m ? store.masks.read(m) : null;
}

/** Images grouped as they were imported: a DICOM series, a NIfTI volume, or a single image. */
function volumes(images: ImageRecord[]): ImageRecord[][] {
  const groups = new Map<string, ImageRecord[]>();
  for (const img of images) {
    const key =
      img.source.kind === 'dicom' && img.source.seriesUid
        ? `dicom:${img.source.seriesUid}:${img.rows}x${img.cols}`
        : `file:${img.source.path}`;
    const g = groups.get(key);
    if (g) g.push(img);
    else groups.set(key, [img]);
  }
  return [...groups.values()].map((g) =>
    g.sort((a, b) => (a.source.sliceIndex ?? 0) - (b.source.sliceIndex ?? 0)),
  );
}

/** Re-reads the source of a group to get its geometry, in the slice order of the import. */
async function sourceStack(group: ImageRecord[]): Promise<ImageStack> {
  const first = group[0]!;
  if (first.source.kind !== 'dicom' || group.length === 1) return readImageFile(first.source.path);
  const files = [...new Set(group.map((g) => g.source.path))];
  const images = [];
  for (const f of files) images.push(await loadDicomImage(f, await readBytes(f)));
  return dicomStack(images);
}

/**
 * The masks in the order of the re-read source's slices: DICOM slices are matched by SOP Instance UID
 * and frame (not by the import's slice index alone), others by index. Null when a slice is not found.
 */
function inSourceOrder(
  group: ImageRecord[],
  masks: (Uint8Array | null)[],
  source: ImageStack,
): Uint8Array[] | null {
  if (source.format !== 'dicom') return masks as Uint8Array[];
  const key = (uid: string | null | undefined, frame: number | null | undefined) => `${uid}#${frame ?? 0}`;
  const byKey = new Map(group.map((img, k) => [key(img.source.sopUid, img.source.frameIndex), masks[k]!]));
  const out: Uint8Array[] = [];
  for (const sl of source.slices) {
    const m = byKey.get(key(sl.provenance.sopInstanceUid, sl.provenance.frameIndex));
    if (!m) return null;
    out.push(m);
  }
  return out;
}

export async function exportMasks(
  store: ProjectStore,
  req: MaskExportRequest,
  ctx: JobContext<'export-masks'>,
): Promise<MaskExportSummary> {
  const outDir = resolve(req.outDir);
  // Not Node's recursive mkdir: it never returns under /proc. This one names the folder and why.
  makeDirs(outDir);
  const images = store.images.list(req.datasetId === undefined ? {} : { datasetId: req.datasetId });
  const groups = volumes(images);
  const summary: MaskExportSummary = { outDir, format: req.format, files: [], skipped: [] };
  ctx.progress({ phase: 'exporting', done: 0, total: groups.length });
  for (let gi = 0; gi < groups.length; gi++) {
    ctx.throwIfCancelled();
    const group = groups[gi]!;
    const name = fileStem(group[0]!.source.path);
    const masks = group.map((img) => maskOf(store, img, req.layer));
    const missing = group.filter((_, k) => !masks[k]);
    if (missing.length === group.length || (req.format !== 'png' && missing.length)) {
      summary.skipped.push({
        name,
        reason: `${missing.length} of ${group.length} slice(s) have no ${req.layer.replace('_', ' ')} mask`,
      });
      ctx.progress({ done: gi + 1 });
      continue;
    }
    if (req.format === 'png') {
      group.forEach((img, k) => {
        const m = masks[k];
        if (!m) return;
        const file = join(
          outDir,
          group.length > 1 ? `${name}_${String(k).padStart(4, '0')}.png` : `${name}.png`,
        );
        writeFileAtomic(file, writePngMask(m, img.rows, img.cols, true));
        summary.files.push(file);
      });
    } else {
      let source: ImageStack;
      try {
        source = await sourceStack(group);
      } catch (err) {
        summary.skipped.push({ name, reason: `the source cannot be read again: ${(err as Error).message}` });
        ctx.progress({ done: gi + 1 });
        continue;
      }
      const series = source.seriesDescription
        ? `${source.seriesKey} (${source.seriesDescription})`
        : source.seriesKey;
      if (
        source.slices.length !== group.length ||
        source.rows !== group[0]!.rows ||
        source.cols !== group[0]!.cols
      ) {
        summary.skipped.push({
          name,
          reason: `Series ${series}: the source files changed since the import (now ${source.slices.length} slice(s) of ${source.cols}x${source.rows}, the project has ${group.length} of ${group[0]!.cols}x${group[0]!.rows})`,
        });
        ctx.progress({ done: gi + 1 });
        continue;
      }
      // A NIfTI or SEG carries one grid: a series that is no regular volume, or has no place in the
      // patient, cannot be written as one (its slices still export as PNG).
      const problem = volumeProblem(source);
      if (problem) {
        summary.skipped.push({ name, reason: problem });
        ctx.progress({ done: gi + 1 });
        continue;
      }
      const ordered = inSourceOrder(group, masks, source);
      if (!ordered) {
        summary.skipped.push({
          name,
          reason: `Series ${series}: the source files changed since the import (other instances)`,
        });
        ctx.progress({ done: gi + 1 });
        continue;
      }
      const mask = {
        rows: source.rows,
        cols: source.cols,
        slices: ordered.map((m) => m.map((v) => (v ? 1 : 0))),
        segments: [{ number: 1, label: 'lesion' }],
      };
      if (req.format === 'nifti') {
        const file = join(outDir, `${name}.nii.gz`);
        writeFileAtomic(file, writeNiftiMask(mask, source));
        summary.files.push(file);
      } else if (source.format !== 'dicom') {
        summary.skipped.push({
          name,
          reason: `a DICOM SEG needs a DICOM source; ${basename(group[0]!.source.path)} is ${source.format}`,
        });
      } else {
        const file = join(outDir, `${name}.seg.dcm`);
        writeFileAtomic(
          file,
          writeDicomSeg(mask, source, {
            algorithmType: req.layer === 'ground_truth' ? 'MANUAL' : 'SEMIAUTOMATIC',
            algorithmName: 'Apprentice',
            softwareVersion: APP_VERSION,
          }),
        );
        summary.files.push(file);
      }
    }
    ctx.progress({ done: gi + 1 });
  }
  return summary;
}
