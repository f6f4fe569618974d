/**
 * Batch pseudo-labelling as a job: every teacher over every image of a transferal set, each teacher's
 * probability map stored (8-bit, on the image's own grid), then the fused pseudo-label and the image's
 * uncertainty (teacher disagreement, fused entropy) for the review queue.
 *
 * Resume is driven by what is stored, not by a counter: a map is reused when it was made by the same
 * teacher version (card + model), a pseudo-label when it was fused from the same maps with the same
 * options. So a job that was cancelled, failed or killed (even between a blob write and its row) continues
 * where it stopped, and a changed card recomputes only that teacher's maps.
 */
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import type { JobContext } from '../util/job-context.js';
import {
  dequantizeProbabilities,
  quantizeProbabilities,
  type ImageRecord,
  type Job,
  type ProjectStore,
  type Teacher,
} from '../store/index.js';
import { fuse, type FusionOptions } from './fusion.js';
import { postProcess, type PostProcessOptions } from '../../shared/masks/morphology.js';
import { openTeacher, type OpenOptions } from './open.js';
import type { TeacherImage } from './preprocess.js';
import type { TeacherRunner } from './runner.js';
import { storedTeacherCard, storedTeacherImage, teacherVersion } from './store-teachers.js';
import { uncertainty } from './uncertainty.js';

export const PSEUDO_LABEL_JOB = 'pseudo-label';
export const METRIC_DISAGREEMENT = 'teachers.disagreement';
export const METRIC_ENTROPY = 'teachers.entropy';
const MAX_REPORTED_ERRORS = 200;

export interface PseudoLabelParams {
  teacherIds: number[];
  /** The images to label: a dataset's included images, or explicit ids. */
  datasetId?: number;
  imageIds?: number[];
  fusion?: FusionOptions;
  post?: PostProcessOptions;
}

export interface PseudoLabelRequest extends Partial<PseudoLabelParams> {
  /** Continue a stored job (interrupted, cancelled or failed) with its own parameters. */
  resumeJobId?: number;
  runtime?: OpenOptions;
}

interface Computed {
  part: ImageRecord[];
  /** Per teacher: image id -> new 8-bit map. */
  maps: Map<number, Uint8Array>[];
  failed: Set<number>;
}

export interface ImageError {
  imageId: number;
  teacherId?: number;
  code: string;
  message: string;
}

export interface PseudoLabelSummary {
  /** The store's job id (masks and metrics refer to it). */
  jobId: number;
  images: number;
  mapsComputed: number;
  mapsReused: number;
  labelsWritten: number;
  labelsReused: number;
  failedImages: number;
  errors: ImageError[];
  errorCount: number;
}

/** The options a pseudo-label was fused with; equal keys mean the same label. */
function fusionKey(teachers: readonly Teacher[], p: PseudoLabelParams): string {
  return JSON.stringify({
    t: teachers.map((t) => [t.id, teacherVersion(t)]),
    f: {
      method: p.fusion?.method ?? 'mean',
      weights: p.fusion?.weights ?? null,
      threshold: p.fusion?.threshold ?? 0.5,
    },
    p: p.post ?? {},
  });
}

function checkParams(
  store: ProjectStore,
  p: PseudoLabelParams,
): { teachers: Teacher[]; images: ImageRecord[] } {
  if (!Array.isArray(p.teacherIds) || p.teacherIds.length === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Choose at least one teacher', { field: 'teacherIds' });
  if (new Set(p.teacherIds).size !== p.teacherIds.length)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'A teacher is listed twice', { field: 'teacherIds' });
  const teachers = p.teacherIds.map((id) => store.teachers.get(id));
  let images: ImageRecord[];
  if (p.imageIds) images = p.imageIds.map((id) => store.images.get(id));
  else if (p.datasetId !== undefined) images = store.images.list({ datasetId: p.datasetId, included: true });
  else
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Give a dataset or a list of images', {
      field: 'datasetId',
    });
  if (images.length === 0) throw new AppError(ErrorCode.FAILED_PRECONDITION, 'There are no images to label');
  // Fusion options are checked now, not after the first hour of inference.
  fuse(
    teachers.map(() => new Float32Array(1)),
    p.fusion ?? {},
  );
  return { teachers, images };
}

function startJob(store: ProjectStore, req: PseudoLabelRequest): { job: Job; params: PseudoLabelParams } {
  if (req.resumeJobId === undefined) {
    const params: PseudoLabelParams = { teacherIds: req.teacherIds ?? [] };
    if (req.datasetId !== undefined) params.datasetId = req.datasetId;
    if (req.imageIds !== undefined) params.imageIds = req.imageIds;
    if (req.fusion !== undefined) params.fusion = req.fusion;
    if (req.post !== undefined) params.post = req.post;
    checkParams(store, params);
    const job = store.jobs.create(PSEUDO_LABEL_JOB, params as unknown as Record<string, unknown>);
    return { job: store.jobs.start(job.id), params };
  }
  const old = store.jobs.get(req.resumeJobId);
  if (old.kind !== PSEUDO_LABEL_JOB)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Job ${old.id} is a ${old.kind} job, not pseudo-labelling`,
      { jobId: old.id },
    );
  const params = old.params as unknown as PseudoLabelParams;
  checkParams(store, params);
  if (old.state === 'interrupted') return { job: store.jobs.start(old.id), params };
  if (old.state === 'cancelled' || old.state === 'failed') {
    const job = store.jobs.create(PSEUDO_LABEL_JOB, { ...old.params, resumedFrom: old.id });
    return { job: store.jobs.start(job.id), params };
  }
  throw new AppError(
    ErrorCode.FAILED_PRECONDITION,
    `Job ${old.id} is ${old.state}: there is nothing to resume`,
    { jobId: old.id },
  );
}

export async function runPseudoLabelJob(
  store: ProjectStore,
  req: PseudoLabelRequest,
  ctx: JobContext,
): Promise<PseudoLabelSummary> {
  const { job, params } = startJob(store, req);
  const s: PseudoLabelSummary = {
    jobId: job.id,
    images: 0,
    mapsComputed: 0,
    mapsReused: 0,
    labelsWritten: 0,
    labelsReused: 0,
    failedImages: 0,
    errors: [],
    errorCount: 0,
  };
  const runners: TeacherRunner[] = [];
  try {
    const { teachers, images } = checkParams(store, params);
    s.images = images.length;
    const versions = teachers.map(teacherVersion);
    const key = fusionKey(teachers, params);
    ctx.progress({ phase: 'loading teachers', done: 0, total: images.length });
    // A teacher that cannot be opened (not a model, contract does not fit) fails the job before any work.
    for (const t of teachers) runners.push(await openTeacher(storedTeacherCard(store, t), req.runtime));
    const chunk = Math.max(1, ...runners.map((r) => r.batchSize));
    const report = (e: ImageError) => {
      s.errorCount++;
      if (s.errors.length < MAX_REPORTED_ERRORS) s.errors.push(e);
    };
    ctx.progress({ phase: 'labelling' });

    /** Runs the teachers on one chunk: new 8-bit maps per teacher; reused maps stay in the store. */
    const compute = async (part: ImageRecord[]): Promise<Computed> => {
      const c: Computed = { part, maps: teachers.map(() => new Map()), failed: new Set() };
      const inputs = new Map<number, TeacherImage>();
      const input = (img: ImageRecord): TeacherImage | undefined => {
        if (c.failed.has(img.id)) return undefined;
        if (!inputs.has(img.id))
          try {
            inputs.set(img.id, storedTeacherImage(store, img));
          } catch (err) {
            c.failed.add(img.id);
            const e = toAppError(err);
            report({ imageId: img.id, code: e.code, message: e.message });
            return undefined;
          }
        return inputs.get(img.id);
      };
      for (let k = 0; k < teachers.length; k++) {
        const todo = part.filter((img) => {
          const m = store.masks.latest(img.id, 'probability', teachers[k]!.id);
          if (m && m.params.version === versions[k]) return (s.mapsReused++, false);
          return true;
        });
        const ready = todo.filter((img) => input(img) !== undefined);
        if (ready.length === 0) continue;
        const results = await runners[k]!.predict(ready.map((img) => inputs.get(img.id)!));
        results.forEach((r, j) => {
          const img = ready[j]!;
          if (r.ok) return void c.maps[k]!.set(img.id, quantizeProbabilities(r.prob));
          c.failed.add(img.id);
          report({
            imageId: img.id,
            teacherId: teachers[k]!.id,
            code: r.error.code,
            message: r.error.message,
          });
        });
      }
      return c;
    };

    /** Stores one computed chunk in one transaction: its maps, pseudo-labels, uncertainty and progress. */
    const commit = (c: Computed, done: number): void => {
      store.db.tx(() => {
        c.maps.forEach((byImage, k) =>
          byImage.forEach((pixels, imageId) => {
            store.masks.put(imageId, {
              kind: 'probability',
              pixels,
              teacherId: teachers[k]!.id,
              jobId: job.id,
              params: { version: versions[k] },
            });
            s.mapsComputed++;
          }),
        );
        for (const img of c.part) {
          if (c.failed.has(img.id)) {
            s.failedImages++;
            continue;
          }
          const existing = store.masks.latest(img.id, 'pseudo_label');
          if (existing && existing.params.key === key) {
            s.labelsReused++;
            continue;
          }
          // Fused from the 8-bit maps as stored, so a resumed job gives exactly what an uninterrupted one does.
          const maps = teachers.map((t, k) =>
            dequantizeProbabilities(
              c.maps[k]!.get(img.id) ?? store.masks.read(store.masks.latest(img.id, 'probability', t.id)!),
            ),
          );
          const f = fuse(maps, params.fusion ?? {});
          const mask = postProcess(f.mask, img.rows, img.cols, params.post ?? {});
          const u = uncertainty(maps, f.prob);
          store.masks.put(img.id, {
            kind: 'pseudo_label',
            pixels: mask,
            jobId: job.id,
            params: {
              key,
              teacherIds: params.teacherIds,
              fusion: params.fusion ?? { method: 'mean' },
              post: params.post ?? {},
            },
          });
          store.metrics.record([
            { jobId: job.id, imageId: img.id, name: METRIC_DISAGREEMENT, value: u.disagreement },
            { jobId: job.id, imageId: img.id, name: METRIC_ENTROPY, value: u.entropy },
          ]);
          s.labelsWritten++;
        }
        store.jobs.progress(job.id, {
          done,
          total: images.length,
          phase: 'labelling',
          cursor: { next: done },
        });
      });
      ctx.progress({ done, metrics: { failedImages: s.failedImages } });
    };

    // Pipelined: the next chunk's inference runs (in onnxruntime's threads) while this one is stored, so
    // the disk's fsyncs cost no inference time. A cancel stores what was computed before it stops.
    let pending: { c: Computed; done: number } | null = null;
    // Taken before it is stored, so a chunk whose commit failed is never committed twice.
    const flush = () => {
      const p = pending;
      pending = null;
      if (p && store.isOpen) commit(p.c, p.done);
    };
    try {
      for (let start = 0; start < images.length; start += chunk) {
        ctx.throwIfCancelled();
        const computing = compute(images.slice(start, start + chunk));
        // If storing the previous chunk throws, this one's outcome must not become an unhandled rejection.
        computing.catch(() => undefined);
        flush();
        pending = { c: await computing, done: Math.min(start + chunk, images.length) };
      }
    } finally {
      flush();
    }
    store.jobs.finish(job.id, 'succeeded');
    return s;
  } catch (err) {
    const e = toAppError(err);
    if (store.isOpen && !['succeeded', 'failed', 'cancelled'].includes(store.jobs.get(job.id).state))
      store.jobs.finish(job.id, e.code === ErrorCode.CANCELLED ? 'cancelled' : 'failed', {
        code: e.code,
        message: e.message,
      });
    throw err;
  } finally {
    await Promise.all(runners.map((r) => r.dispose()));
  }
}
