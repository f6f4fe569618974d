/**
 * Students as jobs, for the UI and the CLI alike: train (from folders or from a project's labels),
 * fine-tune, evaluate and export. Training runs in a worker thread (electron/workers) so the main process
 * stays responsive; progress goes to JobContext.progress (epoch, step, loss, validation Dice/IoU, time per
 * step) and cancelling the job stops the worker between steps, keeping the last epoch checkpoint. A
 * project run is recorded in the store: the student, its checkpoints and its metrics.
 */
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TrainingPlan } from '../../shared/dto.js';
import type { JobOf, TrainStepDetail } from '../../shared/jobs.js';
import { evaluateMaskFolders, evaluateModel } from '../students/evaluate-run.js';
import { evaluateCard } from '../transfer/evaluate.js';
import type { TrainJobRequest, TrainJobResult } from '../students/run.js';
import { exportStudent, type ExportRequest } from '../students/export/export-student.js';
import { importTeacherFolder } from '../teachers/import-folder.js';
import { loadSamples, selectTrainingImages, type TrainingSelectionRequest } from './project-samples.js';
import { hasCheckpoint } from '../students/checkpoint.js';
import { CHECKPOINT_DIR } from '../students/outputs.js';
import type { UnassignedPolicy } from '../students/split.js';
import type { TrainProgress } from '../students/trainer.js';
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

export class StudentService {
  constructor(
    private readonly jobs: JobManager,
    private readonly project: () => ProjectStore | null = () => null,
  ) {}

  /** Trains (or fine-tunes, with `model.kind === 'model'`) from a request that names its data. */
  train(req: TrainJobRequest): JobOf<'train' | 'finetune'> {
    const run = async (ctx: JobContext<'train' | 'finetune'>) => {
      const result = await trainInWorker(req, ctx);
      if (result.cancelled) ctx.throwIfCancelled();
      return result;
    };
    return req.model.kind === 'model' ? this.jobs.start('finetune', run) : this.jobs.start('train', run);
  }

  /**
   * Trains on a dataset of the open project, honouring its assigned splits (test images never train or
   * validate); the run is recorded as a student with checkpoints and metrics.
   */
  trainFromProject(req: ProjectTrainRequest): JobOf<'train'> {
    const store = this.project();
    if (!store) throw new AppError(ErrorCode.FAILED_PRECONDITION, 'No project is open');
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
    const samples = loadSamples(store, [...selection.train, ...selection.val], labels, teacherId);
    // A teacher's probability map (value / 255) is a soft target; thresholded as a binary mask, any
    // pixel with a probability above 0 would count as foreground.
    const soft = labels === 'probability';
    const softTeacher = soft ? store.teachers.get(teacherId!).name : null;
    const request: TrainJobRequest = {
      ...rest,
      ...(soft ? { options: { ...rest.options, targetMode: 'soft' }, teachers: [softTeacher!] } : {}),
      outDir,
      data: {
        kind: 'samples',
        samples,
        description: `project dataset ${datasetId} (${soft ? `soft labels: ${softTeacher}'s probabilities` : `${labels} labels`}; ${describePlan(plan)})`,
      },
      split: {
        valIds: samples.slice(selection.train.length).map((s) => s.id),
        description: `the project's splits: assigned train/val used as assigned, test held out (${plan.test} images); unassigned images ${UNASSIGNED_TEXT[unassigned](valFraction)}`,
      },
    };
    return this.jobs.start('train', async (ctx) => {
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

  evaluate(req: EvaluateRequest): JobOf<'evaluate'> {
    if (!req.pred === !req.model)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        'Evaluate either predicted masks or a model, not both or neither',
      );
    if (req.model && !req.images)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Evaluating a model needs the images folder');
    return this.jobs.start('evaluate', async (ctx) => {
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

  /** Exports a student (training output or model folder) as ONNX + TF.js + model card, checked numerically. */
  export(req: ExportRequest): JobOf<'export'> {
    return this.jobs.start('export', async (ctx) => {
      ctx.progress({ phase: 'exporting' });
      const result = await exportStudent(req);
      const store = this.project();
      if (store)
        store.exports.add({
          kind: 'student_model',
          path: result.out,
          meta: { card: result.card, onnxMaxAbsDiff: result.onnxCheck.max_abs_diff },
        });
      return result;
    });
  }

  /** Imports an exported student (or any folder of teacher cards + ONNX files) into the open project as teacher(s). */
  async importAsTeacher(path: string, name?: string): Promise<{ id: number; name: string }[]> {
    const store = this.project();
    if (!store) throw new AppError(ErrorCode.FAILED_PRECONDITION, 'No project is open');
    const teachers = await importTeacherFolder(store, path, name ? { name } : {});
    return teachers.map((t) => ({ id: t.id, name: t.name }));
  }
}
