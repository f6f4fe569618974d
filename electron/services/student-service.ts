/**
 * Students, as the app and the CLI see them: the zoo's presets and sizes, which images a project run
 * trains on, training (from folders or a project's labels) and fine-tuning as jobs in a worker thread,
 * evaluation, export, and the project's training runs and students with their learning curves.
 *
 * Like every service, these are functions over explicit inputs (the job manager, the project store):
 * the only classes in services/ are the objects that own state (JobManager, ProjectService,
 * RecentProjects, SettingsService). Training runs in a worker (electron/workers) so the main process
 * stays responsive; cancelling a job stops the worker between steps, keeping the last epoch checkpoint.
 * A project run is recorded in the store: the student, its checkpoints and its metrics.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type {
  StudentPreset,
  StudentSummary,
  TrainingPlan,
  TrainingRunSummary,
  TrainStudentRequest,
} from '../../shared/dto.js';
import type { JobOf, TrainStepDetail } from '../../shared/jobs.js';
import { minLearningRate } from '../../shared/recipe.js';
import { evaluateMaskFolders, evaluateModel } from '../students/evaluate-run.js';
import { evaluateCard } from '../transfer/evaluate.js';
import type { TrainJobRequest, TrainJobResult } from '../students/run.js';
import { exportStudent, type ExportRequest } from '../students/export/export-student.js';
import { importTeacherFolder } from '../teachers/import-folder.js';
import {
  projectSampleSource,
  selectTrainingImages,
  type TrainingSelectionRequest,
} from './project-samples.js';
import { hasCheckpoint, latestCheckpointEpoch } from '../students/checkpoint.js';
import { CHECKPOINT_DIR } from '../students/outputs.js';
import type { UnassignedPolicy } from '../students/split.js';
import { DEFAULT_AUGMENT } from '../students/augment.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainProgress } from '../students/trainer.js';
import { buildModel, PRESETS, resolveConfig } from '../engine/zoo/index.js';
import { sizeMultiple } from '../engine/zoo/types.js';
import type { ProjectStore } from '../store/index.js';
import { runTrainingInWorker } from '../workers/run-train-worker.js';
import type { JobContext, JobManager, JobUpdate } from './job-manager.js';

export interface ProjectTrainRequest
  extends Omit<TrainJobRequest, 'data' | 'outDir' | 'split'>, Omit<TrainingSelectionRequest, 'seed'> {
  /** Default: <project>/students/<name>. */
  outDir?: string;
}

export const STUDENTS_DIR = 'students';

/** The folder of a project's training run: <project>/students/<name, made safe as a folder name>. */
export function studentRunDir(store: ProjectStore, name: string): string {
  return join(store.dir, STUDENTS_DIR, name.replace(/[^\w.-]+/g, '_'));
}

const UNASSIGNED_TEXT: Record<UnassignedPolicy, (valFraction: number) => string> = {
  train: () => 'train',
  split: (f) => `split by case, ${Math.round(f * 100)} % of the cases validating`,
  exclude: () => 'left out',
};

/** One line of what a run uses and leaves out, for the job's description and its errors. */
export function describePlan(p: TrainingPlan): string {
  return [
    `${p.train.images} train / ${p.val.images} val images`,
    `${p.test} test held out`,
    ...(p.unassignedLeftOut ? [`${p.unassignedLeftOut} unassigned left out`] : []),
    ...(p.unlabeled ? [`${p.unlabeled} without this label`] : []),
    ...(p.excluded ? [`${p.excluded} excluded`] : []),
  ].join(', ');
}

/** The job detail of a training step: its numbers, and whether it ends a validated epoch. */
export function trainStepDetail(p: TrainProgress): TrainStepDetail {
  return {
    epoch: p.epoch,
    epochs: p.epochs,
    step: p.step,
    steps: p.steps,
    loss: p.loss,
    learningRate: p.learningRate,
    msPerStep: p.msPerStep,
    validated: p.phase === 'checkpoint',
    ...(p.valDice !== undefined ? { valDice: p.valDice } : {}),
    ...(p.valIou !== undefined ? { valIou: p.valIou } : {}),
    ...(p.gpuMemory ? { gpuMemory: p.gpuMemory } : {}),
  };
}

/** JobContext.progress fields of a training step. */
export function progressUpdate(p: TrainProgress): JobUpdate<'train' | 'finetune'> {
  return {
    // A label for people; a validated epoch is a phase of its own, so the job manager sends it at once.
    phase: `epoch ${p.epoch}/${p.epochs}${p.phase === 'checkpoint' ? ' (validated)' : ''}`,
    done: p.globalStep,
    total: p.steps * p.epochs,
    detail: trainStepDetail(p),
  };
}

/** Runs a training request in a worker under a job context. */
export function trainInWorker(
  req: TrainJobRequest,
  ctx: JobContext<'train' | 'finetune'>,
): Promise<TrainJobResult> {
  return runTrainingInWorker(req, {
    signal: ctx.signal,
    onPhase: (phase) => ctx.progress({ phase }),
    onProgress: (p) => ctx.progress(progressUpdate(p)),
  });
}

export interface EvaluateRequest {
  /** Ground-truth masks, paired by file name. */
  masks: string;
  /** Either predicted masks... */
  pred?: string;
  /** ...or a model run on `images`: a TF.js model folder, a training output, or a teacher card (NAME.json, any kind). */
  model?: string;
  images?: string;
  spacing?: [number, number];
  /** Only these ids (file stems), e.g. one validation fold. */
  ids?: string[];
}

export type TrainingPlanRequest = Pick<
  TrainStudentRequest,
  'datasetId' | 'labels' | 'teacherId' | 'valFraction' | 'seed' | 'unassigned'
>;

export function studentPresets(): StudentPreset[] {
  return Object.entries(PRESETS).map(([name, p]) => ({ name, arch: p.arch, description: p.description }));
}

export function describeStudent(preset: string, size: number): { params: number; sizeMultiple: number } {
  const config = resolveConfig(preset, { size });
  const model = buildModel(config);
  try {
    return { params: model.countParams(), sizeMultiple: sizeMultiple(config) };
  } finally {
    model.dispose();
  }
}

/** Exactly which images a run with these settings would train and validate on (test never). */
export function planTraining(store: ProjectStore, req: TrainingPlanRequest): TrainingPlan {
  return selectTrainingImages(store, { ...req, unassigned: req.unassigned ?? 'split' }).plan;
}

/**
 * The project's training folders: finished (a student was recorded from it) or stopped and resumable
 * (checkpoints, no student yet). The Train screen proposes a fresh name and offers resume from these.
 */
export function listTrainingRuns(store: ProjectStore): TrainingRunSummary[] {
  const root = join(store.dir, STUDENTS_DIR);
  if (!existsSync(root)) return [];
  const recorded = new Set(
    store.students.list().flatMap((s) => (typeof s.card.outDir === 'string' ? [s.card.outDir] : [])),
  );
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = join(root, e.name);
      const lastEpoch = latestCheckpointEpoch(join(dir, CHECKPOINT_DIR));
      return { name: e.name, dir, lastEpoch, state: recorded.has(dir) ? 'finished' : 'unfinished' } as const;
    })
    .filter((r) => r.state === 'finished' || r.lastEpoch !== null)
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export function listStudents(store: ProjectStore): StudentSummary[] {
  return store.students.list().map((s) => {
    const series = (name: string) =>
      new Map(store.metrics.list({ studentId: s.id, name }).map((m) => [m.step ?? 0, m.value ?? NaN]));
    const loss = series('train_loss');
    const dice = series('val_dice');
    const best = store.students.checkpoints(s.id).find((c) => c.meta.best === true);
    const history = [...loss.keys()]
      .sort((a, b) => a - b)
      .map((epoch) => ({ epoch, loss: loss.get(epoch)!, valDice: dice.get(epoch) ?? NaN }));
    return {
      id: s.id,
      name: s.name,
      createdAt: s.createdAt,
      modelDir: best?.path ?? null,
      bestValDice: typeof best?.meta.valDice === 'number' ? best.meta.valDice : null,
      history,
    };
  });
}

/** Trains (or fine-tunes, with `model.kind === 'model'`) from a request that names its data. */
export function startTraining(jobs: JobManager, req: TrainJobRequest): JobOf<'train' | 'finetune'> {
  const run = async (ctx: JobContext<'train' | 'finetune'>) => {
    const result = await trainInWorker(req, ctx);
    if (result.cancelled) ctx.throwIfCancelled();
    return result;
  };
  return req.model.kind === 'model' ? jobs.start('finetune', run) : jobs.start('train', run);
}

/** The Train screen's request (zoo preset or a model to continue, recipe numbers) as a project run. */
export function projectTrainRequest(req: TrainStudentRequest): ProjectTrainRequest {
  return {
    name: req.name,
    datasetId: req.datasetId,
    labels: req.labels,
    ...(req.teacherId !== undefined ? { teacherId: req.teacherId } : {}),
    model: req.fromModel
      ? { kind: 'model', dir: req.fromModel }
      : { kind: 'zoo', config: resolveConfig(req.preset, { size: req.size, seed: req.seed }) },
    options: {
      ...DEFAULT_TRAIN_OPTIONS,
      epochs: req.epochs,
      batchSize: req.batchSize,
      learningRate: req.learningRate,
      minLearningRate: minLearningRate(req.learningRate),
      patience: req.patience,
      seed: req.seed,
      augment: req.augment ? DEFAULT_AUGMENT : null,
      freezeEncoder: req.freezeEncoder ?? false,
    },
    unassigned: req.unassigned ?? 'split',
    valFraction: req.valFraction,
    resume: req.resume,
  };
}

/**
 * Trains on a dataset of the project, honouring its assigned splits (test images never train or
 * validate); the run is recorded as a student with checkpoints and metrics. A name already used, a
 * resume without a stopped run or an empty training set is refused here, before any job starts.
 */
export function startProjectTraining(
  jobs: JobManager,
  store: ProjectStore,
  req: ProjectTrainRequest,
): JobOf<'train'> {
  const outDir = req.outDir ?? studentRunDir(store, req.name);
  // Said here, in the words of the screen, rather than by the job after it has started.
  const started = hasCheckpoint(join(outDir, CHECKPOINT_DIR));
  if (store.students.list().some((s) => s.name === req.name))
    throw new AppError(
      ErrorCode.ALREADY_EXISTS,
      `A student named "${req.name}" has finished training in this project: choose another name for a new run`,
      { name: req.name },
    );
  if (started && !req.resume)
    throw new AppError(
      ErrorCode.ALREADY_EXISTS,
      `A training run named "${req.name}" already exists in this project: resume it, or choose another name`,
      { name: req.name, path: outDir },
    );
  if (!started && req.resume)
    throw new AppError(
      ErrorCode.FAILED_PRECONDITION,
      `There is no stopped training run named "${req.name}" to resume`,
      { name: req.name, path: outDir },
    );
  const request = projectRunRequest(store, req, outDir);
  const { datasetId, labels, teacherId } = req;
  const soft = labels === 'probability';
  return jobs.start('train', async (ctx) => {
    const result = await trainInWorker(request, ctx);
    if (result.cancelled) ctx.throwIfCancelled();
    const student = store.students.add(req.name, {
      ...result.model,
      outDir,
      labels,
      ...(soft ? { teacherId } : {}),
      datasetId,
    });
    store.students.addCheckpoint({
      studentId: student.id,
      epoch: result.bestEpoch,
      path: result.modelDir,
      meta: { best: true, valDice: result.bestValDice },
    });
    store.metrics.record(
      result.history.flatMap((h) => [
        { studentId: student.id, name: 'train_loss', value: h.loss, step: h.epoch },
        { studentId: student.id, name: 'val_dice', value: h.valDice, step: h.epoch },
        { studentId: student.id, name: 'val_iou', value: h.valIou, step: h.epoch },
      ]),
    );
    return { ...result, studentId: student.id };
  });
}

/** The training request of a project run: the selected images as samples, the project's split as is. */
function projectRunRequest(store: ProjectStore, req: ProjectTrainRequest, outDir: string): TrainJobRequest {
  const { datasetId, labels, teacherId, unassigned, valFraction, outDir: _o, ...rest } = req;
  const selection = selectTrainingImages(store, {
    datasetId,
    labels,
    unassigned,
    valFraction,
    seed: req.options.seed,
    ...(teacherId !== undefined ? { teacherId } : {}),
  });
  const { plan } = selection;
  if (plan.train.images === 0)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Dataset ${datasetId} has no training image with a ${labels} label, the training set is empty (${describePlan(plan)})`,
      { datasetId, plan },
    );
  // Streamed: each image is read from the store when a batch needs it (served to the training worker).
  const source = projectSampleSource(store, [...selection.train, ...selection.val], labels, teacherId);
  // A teacher's probability map (value / 255) is a soft target; thresholded as a binary mask, any
  // pixel with a probability above 0 would count as foreground.
  const soft = labels === 'probability';
  const softTeacher = soft ? store.teachers.get(teacherId!).name : null;
  return {
    ...rest,
    ...(soft ? { options: { ...rest.options, targetMode: 'soft' }, teachers: [softTeacher!] } : {}),
    outDir,
    data: {
      kind: 'source',
      source,
      description: `project dataset ${datasetId} (${soft ? `soft labels: ${softTeacher}'s probabilities` : `${labels} labels`}; ${describePlan(plan)})`,
    },
    split: {
      valIds: source.refs.slice(selection.train.length).map((s) => s.id),
      description: `the project's splits: assigned train/val used as assigned, test held out (${plan.test} images); unassigned images ${UNASSIGNED_TEXT[unassigned](valFraction)}`,
    },
  };
}

/** Scores predicted masks, or a model (TF.js folder, training output, teacher card) run on images. */
export function startEvaluation(jobs: JobManager, req: EvaluateRequest): JobOf<'evaluate'> {
  if (!req.pred === !req.model)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      'Evaluate either predicted masks or a model, not both or neither',
    );
  if (req.model && !req.images)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Evaluating a model needs the images folder');
  return jobs.start('evaluate', async (ctx) => {
    ctx.progress({ phase: 'evaluating' });
    const opts = {
      signal: ctx.signal,
      onProgress: (done: number, total: number) => ctx.progress({ done, total }),
      ...(req.spacing ? { spacing: req.spacing } : {}),
      ...(req.ids ? { ids: new Set(req.ids) } : {}),
    };
    return !req.model
      ? await evaluateMaskFolders(req.pred!, req.masks, opts)
      : req.model.endsWith('.json') && !req.model.endsWith('model.json')
        ? await evaluateCard(req.model, req.images!, req.masks, opts)
        : await evaluateModel(req.model, req.images!, req.masks, opts);
  });
}

/**
 * Exports a student (training output or model folder) as ONNX + TF.js + model card, checked
 * numerically; the export is kept in `store`'s list of exports when a project is open.
 */
export function startExport(
  jobs: JobManager,
  store: ProjectStore | null,
  req: ExportRequest,
): JobOf<'export'> {
  return jobs.start('export', async (ctx) => {
    ctx.progress({ phase: 'exporting' });
    const result = await exportStudent(req);
    if (store)
      store.exports.add({
        kind: 'student_model',
        path: result.out,
        meta: { card: result.card, onnxMaxAbsDiff: result.onnxCheck.max_abs_diff },
      });
    return result;
  });
}

/** Imports an exported student (or any folder of teacher cards + ONNX files) into a project as teacher(s). */
export async function importStudentAsTeacher(
  store: ProjectStore,
  path: string,
  name?: string,
): Promise<{ id: number; name: string }[]> {
  const teachers = await importTeacherFolder(store, path, name ? { name } : {});
  return teachers.map((t) => ({ id: t.id, name: t.name }));
}
