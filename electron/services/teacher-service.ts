/**
 * Teachers for the UI: register a teacher from its card (or a bare ONNX model), preview it on three images
 * before a batch run, run batch pseudo-labelling as a job, and read back soft labels and the review queue.
 * Plain functions over the open project's store; the shells route AppApi calls here.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { ImageRecord, ProjectStore, Teacher } from '../store/index.js';
import { dequantizeProbabilities, quantizeProbabilities } from '../store/index.js';
import {
  METRIC_DISAGREEMENT,
  METRIC_ENTROPY,
  runPseudoLabelJob,
  type PseudoLabelRequest,
  type PseudoLabelSummary,
} from '../teachers/batch-job.js';
import type { FusionOptions } from '../teachers/fusion.js';
import { fuseOneImage } from '../teachers/labelling/one-image.js';
import type { ContractHints } from '../teachers/infer-contract.js';
import { openTeacher, type OpenOptions } from '../teachers/open.js';
import { previewTeacher as preview, type TeacherPreview } from '../teachers/preview.js';
import { resolveTeacher } from '../teachers/resolve.js';
import { registerTeacher, storedTeacherCard, storedTeacherImage } from '../teachers/store-teachers.js';
import { reviewQueue, type QueueItem } from '../teachers/uncertainty.js';
import { postProcess, type PostProcessOptions } from '../../shared/masks/morphology.js';
import type { JobContext } from './job-manager.js';

export type { PseudoLabelRequest, PseudoLabelSummary, TeacherPreview };

export async function importTeacher(
  store: ProjectStore,
  req: { path: string; name?: string; hints?: ContractHints },
): Promise<{ teacher: Teacher; assumed: string[] }> {
  const opts: { name?: string; hints?: ContractHints } = {};
  if (req.name !== undefined) opts.name = req.name;
  if (req.hints !== undefined) opts.hints = req.hints;
  return registerTeacher(store, req.path, opts);
}

export interface PreviewRequest {
  /** A registered teacher, or a card/model file not imported yet (to check it before importing). */
  teacherId?: number;
  path?: string;
  hints?: ContractHints;
  /** The images to try; default: the first `count` included images of `datasetId` (or of the project). */
  imageIds?: number[];
  datasetId?: number;
  count?: number;
  runtime?: OpenOptions;
}

/** Runs a teacher on a few images (3 by default) and returns the maps, their stats and warnings. */
export async function previewTeacher(
  store: ProjectStore,
  req: PreviewRequest,
): Promise<TeacherPreview & { assumed: string[] }> {
  let card;
  let assumed: string[] = [];
  if (req.teacherId !== undefined) card = storedTeacherCard(store, store.teachers.get(req.teacherId));
  else if (req.path !== undefined) ({ card, assumed } = await resolveTeacher(req.path, req.hints));
  else
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Give a teacher or a card/model file to preview', {
      field: 'teacherId',
    });
  const count = Math.min(Math.max(req.count ?? 3, 1), 16);
  const images: ImageRecord[] = req.imageIds
    ? req.imageIds.slice(0, 16).map((id) => store.images.get(id))
    : store.images.list({
        included: true,
        limit: count,
        ...(req.datasetId !== undefined ? { datasetId: req.datasetId } : {}),
      });
  if (images.length === 0)
    throw new AppError(ErrorCode.FAILED_PRECONDITION, 'There are no images to preview the teacher on');
  const runner = await openTeacher(card, req.runtime);
  try {
    return {
      ...(await preview(
        runner,
        images.map((img) => storedTeacherImage(store, img)),
      )),
      assumed,
    };
  } finally {
    await runner.dispose();
  }
}

/** The batch job: run it through the JobManager (`jobs.start('pseudo-label', (ctx) => ...)`). */
export function pseudoLabel(
  store: ProjectStore,
  req: PseudoLabelRequest,
  ctx: JobContext<'pseudo-label'>,
): Promise<PseudoLabelSummary> {
  return runPseudoLabelJob(store, req, ctx);
}

/**
 * The fused soft label of an image (probability x 255), recomputed from the stored teacher maps with the
 * options its pseudo-label was made with; null when the image has no pseudo-label.
 */
export function softLabel(store: ProjectStore, imageId: number): Uint8Array | null {
  const label = store.masks.latest(imageId, 'pseudo_label');
  if (!label) return null;
  const teacherIds = label.params.teacherIds as number[] | undefined;
  if (!Array.isArray(teacherIds)) return null;
  const maps = teacherIds.map((t) => {
    const m = store.masks.latest(imageId, 'probability', t);
    if (!m)
      throw new AppError(ErrorCode.NOT_FOUND, `Image ${imageId} has no probability map of teacher ${t}`, {
        imageId,
        teacherId: t,
      });
    return dequantizeProbabilities(store.masks.read(m));
  });
  return quantizeProbabilities(fuseOneImage(maps, label.params.fusion as FusionOptions).prob);
}

/**
 * The images of a dataset that have pseudo-labels, most uncertain first (teacher disagreement, then the
 * fused label's entropy), from the latest pseudo-labelling of each image.
 */
export function reviewQueueFor(store: ProjectStore, datasetId: number): QueueItem<number>[] {
  const ids = new Set(store.images.list({ datasetId }).map((i) => i.id));
  const latest = (name: string) => {
    const byImage = new Map<number, number>();
    for (const m of store.metrics.list({ name }))
      if (m.imageId !== null && ids.has(m.imageId)) byImage.set(m.imageId, m.value ?? 0);
    return byImage;
  };
  const dis = latest(METRIC_DISAGREEMENT);
  const ent = latest(METRIC_ENTROPY);
  return reviewQueue(
    [...dis.keys()].map((key) => ({ key, disagreement: dis.get(key)!, entropy: ent.get(key) ?? 0 })),
  );
}

/**
 * Live preview of fusion settings: the stored teacher maps of a few images fused with the given options
 * (nothing is written). Images whose maps are not all there yet are skipped.
 */
export function previewFusion(
  store: ProjectStore,
  req: {
    teacherIds: number[];
    datasetId: number;
    fusion?: FusionOptions;
    post?: PostProcessOptions;
    count?: number;
  },
): {
  name: string;
  rows: number;
  cols: number;
  channels: 1 | 3;
  image: Uint8Array;
  probability: Uint8Array;
  mask: Uint8Array;
}[] {
  const out = [];
  for (const img of store.images.list({ datasetId: req.datasetId, included: true })) {
    if (out.length >= (req.count ?? 3)) break;
    const maps = req.teacherIds.map((t) => store.masks.latest(img.id, 'probability', t));
    if (maps.some((m) => !m)) continue;
    const fused = fuseOneImage(
      maps.map((m) => dequantizeProbabilities(store.masks.read(m!))),
      req.fusion ?? {},
    );
    const mask = req.post ? postProcess(fused.mask, img.rows, img.cols, req.post) : fused.mask;
    const shown = storedTeacherImage(store, img);
    out.push({
      name: shown.name,
      rows: img.rows,
      cols: img.cols,
      channels: shown.channels,
      image: shown.pixels,
      probability: quantizeProbabilities(fused.prob),
      mask,
    });
  }
  if (!out.length)
    throw new AppError(
      ErrorCode.FAILED_PRECONDITION,
      'No image has maps of all these teachers yet: run the teachers first',
    );
  return out;
}
