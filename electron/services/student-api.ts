/**
 * The student operations of the AppApi: the zoo's presets and sizes, training on a project dataset
 * (through StudentService, in a worker) with the plan of which images it uses, the project's training
 * runs, and the students a project holds with their learning curves.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  StudentPreset,
  StudentSummary,
  TrainingPlan,
  TrainingRunSummary,
  TrainStudentRequest,
} from '../../shared/dto.js';
import { latestCheckpointEpoch } from '../students/checkpoint.js';
import { CHECKPOINT_DIR } from '../students/outputs.js';
import { selectTrainingImages } from './project-samples.js';
import { DEFAULT_AUGMENT } from '../students/augment.js';
import { DEFAULT_TRAIN_OPTIONS } from '../students/trainer.js';
import { buildModel, PRESETS, resolveConfig } from '../engine/zoo/index.js';
import { sizeMultiple } from '../engine/zoo/types.js';
import type { JobOf } from '../../shared/jobs.js';
import type { ProjectStore } from '../store/index.js';
import { STUDENTS_DIR, type StudentService } from './student-service.js';

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

export function trainStudent(service: StudentService, req: TrainStudentRequest): JobOf<'train'> {
  return service.trainFromProject({
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
      minLearningRate: req.learningRate / 100,
      patience: req.patience,
      seed: req.seed,
      augment: req.augment ? DEFAULT_AUGMENT : null,
      freezeEncoder: req.freezeEncoder ?? false,
    },
    unassigned: req.unassigned ?? 'split',
    valFraction: req.valFraction,
    resume: req.resume,
  });
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
