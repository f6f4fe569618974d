/**
 * Batch pseudo-labelling as a job: every teacher over every image of a transferal set, each teacher's
 * probability map stored (8-bit, on the image's own grid; the mean of its test-time-augmentation views
 * when the fusion uses them), then the fused pseudo-label and the image's uncertainty (teacher
 * disagreement, fused entropy) for the review queue. The loop is the shared core (labelling/); this file
 * says where images come from and where maps and labels go in a project.
 *
 * Resume is driven by what is stored, not by a counter: a map is reused when it was made by the same
 * teacher version (card + model) with the same views, a pseudo-label when it was fused from the same maps
 * with the same options (for 'auto', the same estimated weights). So a job that was cancelled, failed or
 * killed (even between a blob write and its row) continues where it stopped, and a changed card
 * recomputes only that teacher's maps.
 */
import type { ImageError, PseudoLabelSummary } from '../../shared/jobs.js';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import { DEFAULT_FUSION_METHOD } from '../../shared/recipe.js';
import type { PostProcessOptions } from '../../shared/masks/morphology.js';
import type { JobContext } from '../util/job-context.js';
import {
  dequantizeProbabilities,
  type ImageRecord,
  type Job,
  type ProjectStore,
  type Teacher,
} from '../store/index.js';
import type { FusionOptions } from './fusion.js';
import { runLabelling, type FusedImage, type MapsChunk } from './labelling/run-labelling.js';
import { SetFusion, type SetFusionOptions } from './labelling/set-fusion.js';
import { predictTeacherMaps, viewNames, viewsFor } from './labelling/teacher-maps.js';
import { ttaViewsOf } from './labelling/tta-settings.js';
import { openTeacher, type OpenOptions } from './open.js';
import type { TeacherImage } from './preprocess.js';
import { teacherProviders, type TeacherRunner } from './runner.js';
import { storedTeacherCard, storedTeacherImage, teacherVersion } from './store-teachers.js';

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

export type { ImageError, PseudoLabelSummary };

/**
 * The fusion a job runs: its stored options with the method filled in. A job stored before the method
 * had a default of its own ran 'mean', and its labels keep saying so.
 */
function fusionOf(p: PseudoLabelParams): SetFusionOptions {
  return { ...p.fusion, method: p.fusion?.method ?? 'mean' };
}

/** The options a pseudo-label was fused with; equal keys mean the same label. */
function fusionKey(teachers: readonly Teacher[], p: PseudoLabelParams, autoWeights: number[] | null): string {
  const f = fusionOf(p);
  return JSON.stringify({
    t: teachers.map((t) => [t.id, teacherVersion(t)]),
    f: {
      method: f.method,
      weights: autoWeights ?? f.weights ?? null,
      threshold: f.threshold ?? 0.5,
      ...(f.tta !== undefined ? { tta: f.tta } : {}),
    },
    p: p.post ?? {},
  });
}

/** What a stored map was made with: a map is reused only when both match. */
function mapParams(t: Teacher, views: string[]): Record<string, unknown> {
  return views.length ? { version: teacherVersion(t), tta: views } : { version: teacherVersion(t) };
}
const sameMap = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  a.version === b.version && JSON.stringify(a.tta ?? []) === JSON.stringify(b.tta ?? []);

function checkParams(
  store: ProjectStore,
  p: PseudoLabelParams,
): { teachers: Teacher[]; images: ImageRecord[]; fusion: SetFusion } {
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
  // The fusion options are checked here (SetFusion does), not after the first hour of inference.
  const fusion = new SetFusion(
    teachers.map((t) => t.name),
    fusionOf(p),
  );
  return { teachers, images, fusion };
}

function startJob(store: ProjectStore, req: PseudoLabelRequest): { job: Job; params: PseudoLabelParams } {
  if (req.resumeJobId === undefined) {
    // The method is stored, so a resumed job fuses as it started even if the default changes.
    const params: PseudoLabelParams = {
      teacherIds: req.teacherIds ?? [],
      fusion: { ...req.fusion, method: req.fusion?.method ?? DEFAULT_FUSION_METHOD },
    };
    if (req.datasetId !== undefined) params.datasetId = req.datasetId;
    if (req.imageIds !== undefined) params.imageIds = req.imageIds;
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

/** Pass 1's chunk in a project: the new 8-bit maps per teacher (reused maps stay in the store). */
interface StoreChunk extends MapsChunk<ImageRecord> {
  newMaps: Map<number, Uint8Array>[];
  failed: ImageRecord[];
}

/** Everything one run of the job shares between its stages. */
class PseudoLabelRun {
  readonly s: PseudoLabelSummary;
  private key: string | null = null;

  constructor(
    private readonly store: ProjectStore,
    private readonly job: Job,
    private readonly params: PseudoLabelParams,
    private readonly teachers: readonly Teacher[],
    private readonly images: readonly ImageRecord[],
    private readonly fusion: SetFusion,
    private readonly ctx: JobContext,
  ) {
    this.s = {
      jobId: job.id,
      images: images.length,
      mapsComputed: 0,
      mapsReused: 0,
      labelsWritten: 0,
      labelsReused: 0,
      failedImages: 0,
      errors: [],
      errorCount: 0,
      fusion: fusion.report(),
      teacherProviders: {},
    };
  }

  reportError(e: ImageError): void {
    this.s.errorCount++;
    if (this.s.errors.length < MAX_REPORTED_ERRORS) this.s.errors.push(e);
  }

  /** The label key; for 'auto' over the set it includes the weights, known once every map is in. */
  labelKey(): string {
    this.key ??= fusionKey(
      this.teachers,
      this.params,
      this.fusion.needsFirstPass ? this.fusion.autoWeights() : null,
    );
    return this.key;
  }

  hasLabel(img: ImageRecord): boolean {
    const existing = this.store.masks.latest(img.id, 'pseudo_label');
    if (existing && existing.params.key === this.labelKey()) return (this.s.labelsReused++, true);
    return false;
  }

  /** Runs the teachers on one chunk (maps not stored yet), reusing what the store has. */
  async computeMaps(runners: readonly TeacherRunner[], part: readonly ImageRecord[]): Promise<StoreChunk> {
    const { store, teachers } = this;
    const views = ttaViewsOf(fusionOf(this.params));
    const failed = new Set<number>();
    const newMaps = teachers.map(() => new Map<number, Uint8Array>());
    const inputs = new Map<number, TeacherImage>();
    const input = (img: ImageRecord): TeacherImage | undefined => {
      if (failed.has(img.id)) return undefined;
      if (!inputs.has(img.id))
        try {
          inputs.set(img.id, storedTeacherImage(store, img));
        } catch (err) {
          failed.add(img.id);
          const e = toAppError(err);
          this.reportError({ imageId: img.id, code: e.code, message: e.message });
          return undefined;
        }
      return inputs.get(img.id);
    };
    for (let k = 0; k < teachers.length; k++) {
      const own = viewsFor(runners[k]!, views);
      const wanted = mapParams(teachers[k]!, viewNames(own));
      const todo = part.filter((img) => {
        const m = store.masks.latest(img.id, 'probability', teachers[k]!.id);
        if (m && sameMap(m.params, wanted)) return (this.s.mapsReused++, false);
        return true;
      });
      const ready = todo.filter((img) => input(img) !== undefined);
      if (ready.length === 0) continue;
      const results = await predictTeacherMaps(
        runners[k]!,
        ready.map((img) => inputs.get(img.id)!),
        own,
      );
      results.forEach((r, j) => {
        const img = ready[j]!;
        if (r.ok) return void newMaps[k]!.set(img.id, r.stored);
        failed.add(img.id);
        this.reportError({
          imageId: img.id,
          teacherId: teachers[k]!.id,
          code: r.error.code,
          message: r.error.message,
        });
      });
    }
    // Fused from the 8-bit maps as stored, so a resumed job gives exactly what an uninterrupted one does.
    return {
      images: part.map((img) => ({
        item: img,
        maps: failed.has(img.id)
          ? null
          : teachers.map((t, k) =>
              dequantizeProbabilities(newMaps[k]!.get(img.id) ?? this.storedMap(img, t)),
            ),
      })),
      newMaps,
      failed: part.filter((img) => failed.has(img.id)),
    };
  }

  storedMap(img: ImageRecord, t: Teacher): Uint8Array {
    return this.store.masks.read(this.store.masks.latest(img.id, 'probability', t.id)!);
  }

  /** Stores one pass-1 chunk in one transaction: its maps, its labels when fused already, and progress. */
  commitMaps(c: StoreChunk, labels: FusedImage<ImageRecord>[] | null, done: number, views: string[][]): void {
    const { store, job, teachers } = this;
    if (!store.isOpen) return;
    store.db.tx(() => {
      c.newMaps.forEach((byImage, k) =>
        byImage.forEach((pixels, imageId) => {
          store.masks.put(imageId, {
            kind: 'probability',
            pixels,
            teacherId: teachers[k]!.id,
            jobId: job.id,
            params: mapParams(teachers[k]!, views[k]!),
          });
          this.s.mapsComputed++;
        }),
      );
      this.s.failedImages += c.failed.length;
      if (labels) this.putLabels(labels);
      store.jobs.progress(job.id, {
        done,
        total: this.images.length,
        phase: 'labelling',
        cursor: { next: done },
      });
    });
    this.progress({ done });
  }

  /** Stores a chunk of pass 2's labels ('auto' over the set) in one transaction. */
  commitLabels(labels: FusedImage<ImageRecord>[], done: number, total: number): void {
    const { store, job } = this;
    if (!store.isOpen) return;
    store.db.tx(() => {
      this.putLabels(labels);
      store.jobs.progress(job.id, { done, total, phase: 'fusing' });
    });
    this.progress({ phase: 'fusing', done, total });
  }

  /** Progress with the job's own numbers (the failed images so far). */
  private progress(update: { phase?: string; done: number; total?: number }): void {
    // Built before the call: the job context's update type is being narrowed per job kind.
    const withDetail = { ...update, detail: { failedImages: this.s.failedImages } };
    this.ctx.progress(withDetail);
  }

  private putLabels(labels: readonly FusedImage<ImageRecord>[]): void {
    const { store, job, params } = this;
    const weights = this.fusion.options.method === 'auto' ? this.fusion.autoWeights() : null;
    for (const l of labels) {
      const img = l.item;
      store.masks.put(img.id, {
        kind: 'pseudo_label',
        pixels: l.mask,
        jobId: job.id,
        params: {
          key: this.labelKey(),
          teacherIds: params.teacherIds,
          // 'auto' keeps its set's weights and this image's threshold, so the soft label can be rebuilt.
          fusion: weights
            ? { ...fusionOf(params), weights, imageThreshold: l.fused.threshold }
            : fusionOf(params),
          post: params.post ?? {},
        },
      });
      store.metrics.record([
        { jobId: job.id, imageId: img.id, name: METRIC_DISAGREEMENT, value: l.uncertainty.disagreement },
        { jobId: job.id, imageId: img.id, name: METRIC_ENTROPY, value: l.uncertainty.entropy },
      ]);
      this.s.labelsWritten++;
    }
  }
}

/**
 * Opens every teacher; one that cannot be opened (not a model, contract does not fit) fails the job before
 * any work. A GPU provider that fails is the job's notice; its teacher continues on the CPU.
 */
async function openRunners(
  store: ProjectStore,
  teachers: readonly Teacher[],
  runtime: OpenOptions | undefined,
  runners: TeacherRunner[],
  ctx: JobContext,
): Promise<void> {
  const opts: OpenOptions = { ...runtime, onNotice: (m) => ctx.notice?.(m) };
  for (const t of teachers) runners.push(await openTeacher(storedTeacherCard(store, t), opts));
}

function finishFailed(store: ProjectStore, jobId: number, err: unknown): void {
  const e = toAppError(err);
  if (store.isOpen && !['succeeded', 'failed', 'cancelled'].includes(store.jobs.get(jobId).state))
    store.jobs.finish(jobId, e.code === ErrorCode.CANCELLED ? 'cancelled' : 'failed', {
      code: e.code,
      message: e.message,
    });
}

export async function runPseudoLabelJob(
  store: ProjectStore,
  req: PseudoLabelRequest,
  ctx: JobContext,
): Promise<PseudoLabelSummary> {
  const { job, params } = startJob(store, req);
  const runners: TeacherRunner[] = [];
  try {
    const { teachers, images, fusion: plain } = checkParams(store, params);
    ctx.progress({ phase: 'loading teachers', done: 0, total: images.length });
    await openRunners(store, teachers, req.runtime, runners, ctx);
    const views = ttaViewsOf(fusionOf(params));
    const viewsByTeacher = runners.map((r) => viewNames(viewsFor(r, views)));
    const fusion = new SetFusion(plain.teacherNames, { ...plain.options, ttaViews: viewNames(views) });
    const run = new PseudoLabelRun(store, job, params, teachers, images, fusion, ctx);
    ctx.progress({ phase: 'labelling' });
    run.s.fusion = await runLabelling<ImageRecord, StoreChunk>(
      {
        units: images.length,
        chunkSize: Math.max(1, ...runners.map((r) => r.batchSize)),
        computeMaps: (from, to) => run.computeMaps(runners, images.slice(from, to)),
        commitMaps: (c, labels, done) => run.commitMaps(c, labels, done, viewsByTeacher),
        readMaps: (img) => teachers.map((t) => dequantizeProbabilities(run.storedMap(img, t))),
        commitLabels: (labels, done, total) => run.commitLabels(labels, done, total),
        hasLabel: (img) => run.hasLabel(img),
        throwIfCancelled: () => ctx.throwIfCancelled(),
      },
      fusion,
      params.post ?? {},
    );
    // Read at the end: a teacher whose GPU provider failed mid-run finished on the CPU.
    run.s.teacherProviders = teacherProviders(runners);
    store.jobs.finish(job.id, 'succeeded');
    return run.s;
  } catch (err) {
    finishFailed(store, job.id, err);
    throw err;
  } finally {
    await Promise.all(runners.map((r) => r.dispose()));
  }
}
