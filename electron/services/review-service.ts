/**
 * What the slice viewer and the review queue need from the open project: images in full precision,
 * their mask layers, durable mask edits with undo/redo, and review decisions.
 */
import { basename } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type {
  ImageListItem,
  ImageMasks,
  ImagePage,
  ImagePageQuery,
  ImagePixels,
  MaskEditState,
  ReviewStateName,
} from '../../shared/dto.js';
import type { ImageRecord } from '../store/images.js';
import { readRegularFileSync } from '../io/bytes.js';
import { LIMITS } from '../io/errors.js';
import { parseDicomBytes } from '../io/dicom/parse.js';
import { rangeOf } from '../io/stats.js';
import { defaultWindow } from './pixels.js';
import { reviewQueueFor } from './teacher-service.js';
import { METRIC_DISAGREEMENT, METRIC_ENTROPY } from '../teachers/batch-job.js';
import type { ProjectStore } from '../store/project-store.js';

const LAYER = 'corrected' as const;

export function listImages(
  store: ProjectStore,
  q: {
    datasetId?: number;
    order?: 'name' | 'uncertainty';
    status?: ReviewStateName;
    offset?: number;
    limit?: number;
  },
): ImageListItem[] {
  let images = store.images.list({
    ...(q.datasetId !== undefined ? { datasetId: q.datasetId } : {}),
  });
  if (q.order === 'uncertainty') images = byUncertainty(store, images);
  const items = images.map((img) => {
    const review = store.review.get(img.id);
    return {
      id: img.id,
      datasetId: img.datasetId,
      name: displayName(img),
      rows: img.rows,
      cols: img.cols,
      status: review.state,
      flagged: review.flagged,
      hasGroundTruth: store.masks.latest(img.id, 'ground_truth') !== undefined,
      hasPseudoLabel: store.masks.latest(img.id, 'pseudo_label') !== undefined,
      hasCorrection: store.edits.state(img.id, LAYER).headId !== null,
      included: img.included,
      tags: img.tags,
      split: img.split,
      caseId: img.source.caseId,
    };
  });
  const filtered = q.status === undefined ? items : items.filter((i) => i.status === q.status);
  const offset = q.offset ?? 0;
  return filtered.slice(offset, offset + (q.limit ?? filtered.length));
}

/** One page of images, filtered, searched and sorted by the database (see store/image-pages.ts). */
export function listImagesPage(store: ProjectStore, q: ImagePageQuery): ImagePage {
  const { rows, total, offset } = store.imagePages.page({
    ...(q.filter ? { filter: q.filter } : {}),
    ...(q.search !== undefined ? { search: q.search } : {}),
    ...(q.sort ? { sort: q.sort } : {}),
    uncertainty: { disagreement: METRIC_DISAGREEMENT, entropy: METRIC_ENTROPY },
    ...(q.offset !== undefined ? { offset: q.offset } : {}),
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
  });
  const items = rows.map((r) => ({
    id: r.id,
    datasetId: r.datasetId,
    name: nameOf(r.sourcePath, r.frameIndex, r.sliceIndex),
    rows: r.rows,
    cols: r.cols,
    status: r.status,
    flagged: r.flagged,
    hasGroundTruth: r.hasGroundTruth,
    hasPseudoLabel: r.hasPseudoLabel,
    hasCorrection: r.hasCorrection,
    included: r.included,
    tags: r.tags,
    split: r.split,
    caseId: r.caseId,
  }));
  return { items, total, offset };
}

export function getImage(store: ProjectStore, imageId: number): ImagePixels {
  const img = store.images.get(imageId);
  const pixels = store.images.typedPixels(imageId);
  // Colour samples share one range; NaN and infinite samples are left out of it.
  const range = rangeOf([pixels]);
  return {
    id: img.id,
    name: displayName(img),
    rows: img.rows,
    cols: img.cols,
    channels: img.channels,
    dtype: img.dtype,
    pixels,
    spacing: img.spacing,
    range,
    window: defaultWindow(pixels, img.channels, range),
    source: {
      path: img.source.path,
      frameIndex: img.source.frameIndex,
      sliceIndex: img.source.sliceIndex,
      kind: img.source.kind,
    },
    modality: img.source.kind === 'dicom' ? dicomModality(img.source.path) : null,
    warnings: img.warnings,
  };
}

/** Modalities by file, read once: every frame and slice of a file shares it. */
const modalities = new Map<string, string | null>();
const MODALITY_CACHE_LIMIT = 4096;

/**
 * The DICOM Modality of an imported file, for choosing display presets (it is not stored with the
 * image). Null when the file is gone or unreadable: the viewer then offers the presets of any modality.
 */
function dicomModality(path: string): string | null {
  if (modalities.has(path)) return modalities.get(path)!;
  let modality: string | null;
  try {
    // The source may have been replaced since the import (by a FIFO even): only a regular file is read.
    const ds = parseDicomBytes(path, readRegularFileSync(path, LIMITS.maxFileBytes)).dataSet;
    modality = (ds.string('x00080060') ?? '').replace(/\0/g, '').trim() || null;
  } catch {
    modality = null;
  }
  if (modalities.size >= MODALITY_CACHE_LIMIT) modalities.clear();
  modalities.set(path, modality);
  return modality;
}

export function getMasks(store: ProjectStore, imageId: number): ImageMasks {
  store.images.get(imageId); // NOT_FOUND for an unknown image
  const gt = store.masks.latest(imageId, 'ground_truth');
  const pseudo = store.masks.latest(imageId, 'pseudo_label');
  const review = store.review.get(imageId);
  const teachers = store.masks.probabilityMaps(imageId).map((m) => ({
    teacherId: m.teacherId!,
    name: store.teachers.get(m.teacherId!).name,
    probability: store.masks.read(m),
  }));
  return {
    imageId,
    corrected: store.edits.current(imageId, LAYER),
    groundTruth: gt ? store.masks.read(gt) : null,
    pseudoLabel: pseudo ? store.masks.read(pseudo) : null,
    teachers,
    disagreement: teachers.length >= 2 ? disagreementMap(teachers.map((t) => t.probability)) : null,
    edit: editState(store, imageId),
    review: { status: review.state, flagged: review.flagged, note: review.note },
  };
}

export function saveMaskEdit(
  store: ProjectStore,
  req: { imageId: number; mask: Uint8Array; tool: string; params?: Record<string, unknown> },
): MaskEditState {
  const img = store.images.get(req.imageId);
  if (req.mask.length !== img.rows * img.cols) {
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `The mask has ${req.mask.length} pixels; image ${displayName(img)} has ${img.rows} x ${img.cols}`,
      { imageId: img.id },
    );
  }
  store.edits.append(img.id, LAYER, req.mask, {
    tool: req.tool,
    ...(req.params ? { params: req.params } : {}),
  });
  // Drawing is not a decision: the image stays as the reviewer left it until they accept (or reject) it.
  return editState(store, img.id);
}

export function stepMaskEdit(
  store: ProjectStore,
  imageId: number,
  direction: 'undo' | 'redo',
): { mask: Uint8Array | null; edit: MaskEditState } {
  store.images.get(imageId);
  if (direction === 'undo') store.edits.undo(imageId, LAYER);
  else store.edits.redo(imageId, LAYER);
  return { mask: store.edits.current(imageId, LAYER), edit: editState(store, imageId) };
}

export function setReview(
  store: ProjectStore,
  req: { imageId: number; status?: ReviewStateName; flagged?: boolean; note?: string },
): ImageMasks['review'] {
  const r = store.review.set(req.imageId, {
    ...(req.status !== undefined ? { state: req.status } : {}),
    ...(req.flagged !== undefined ? { flagged: req.flagged } : {}),
    ...(req.note !== undefined ? { note: req.note } : {}),
  });
  return { status: r.state, flagged: r.flagged, note: r.note };
}

/** Per-pixel standard deviation of the teachers' probabilities, 0..255 (255 = maximal disagreement). */
export function disagreementMap(maps: readonly Uint8Array[]): Uint8Array {
  const n = maps.length;
  const out = new Uint8Array(maps[0]!.length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    let sq = 0;
    for (const m of maps) {
      const p = m[i]! / 255;
      sum += p;
      sq += p * p;
    }
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(0, sq / n - mean * mean));
    out[i] = Math.min(255, Math.round(sd * 2 * 255));
  }
  return out;
}

/** Most uncertain first (from the latest pseudo-labelling); images never pseudo-labelled keep name order at the end. */
function byUncertainty(store: ProjectStore, images: ImageRecord[]): ImageRecord[] {
  const rank = new Map<number, number>();
  for (const d of new Set(images.map((i) => i.datasetId))) {
    for (const item of reviewQueueFor(store, d)) rank.set(item.key, rank.size);
  }
  return [...images].sort(
    (a, b) => (rank.get(a.id) ?? Infinity) - (rank.get(b.id) ?? Infinity) || a.id - b.id,
  );
}

function editState(store: ProjectStore, imageId: number): MaskEditState {
  const s = store.edits.state(imageId, LAYER);
  const head = store.edits.currentEdit(imageId, LAYER);
  return { canUndo: s.canUndo, canRedo: s.canRedo, edits: s.edits, savedAt: head?.createdAt ?? null };
}

function displayName(img: ImageRecord): string {
  return nameOf(img.source.path, img.source.frameIndex, img.source.sliceIndex);
}

function nameOf(path: string, frameIndex: number | null, sliceIndex: number | null): string {
  const base = basename(path);
  if (sliceIndex !== null) return `${base} [${sliceIndex + 1}]`;
  if (frameIndex !== null && frameIndex > 0) return `${base} #${frameIndex + 1}`;
  return base;
}
