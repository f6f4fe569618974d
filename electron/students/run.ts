/**
 * One training (or fine-tuning) job from a plain, structured-clone-safe request: load and pair the
 * data, split it by case, prepare it at the model's size, train with checkpoints in OUT/checkpoints,
 * copy the best model to OUT/model and write OUT/training.json. The worker runs this; so can tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TrainRunSummary } from '../../shared/jobs.js';
import { readLayersModel } from './export/tfjs-layers.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import * as tf from '../engine/tf.js';
import { buildModel, validateConfig, type ArchConfig } from '../engine/zoo/index.js';
import { bestModelDir, hasCheckpoint } from './checkpoint.js';
import { loadFolderSamples, prepare, type Sample } from './dataset.js';
import { CHECKPOINT_DIR, copyDir, ensureWritableDir, MODEL_DIR, TRAINING_JSON } from './outputs.js';
import { modelGeometry } from './predict.js';
import { readFoldFile, splitByCase, splitByFold, splitByIds } from './split.js';
import { trainStudent, type TrainHooks, type TrainOptions, type TrainResult } from './trainer.js';

export type DataSource =
  | { kind: 'folders'; images: string; masks: string; caseRegex?: string }
  | { kind: 'samples'; samples: Sample[]; description: string };

export type ModelSource = { kind: 'zoo'; config: ArchConfig } | { kind: 'model'; dir: string };

export interface TrainJobRequest {
  name: string;
  data: DataSource;
  model: ModelSource;
  options: TrainOptions;
  /**
   * By case with a fraction, by a k-fold file, or fixed beforehand: the samples listed in valIds validate,
   * the rest train (`description` says how the list was made, for training.json and the model card).
   */
  split:
    { valFraction: number } | { foldsFile: string; fold: number } | { valIds: string[]; description: string };
  outDir: string;
  resume: boolean;
  /** Teachers whose pseudo-labels are the targets (for the card), when known. */
  teachers?: string[];
}

/** The job's result is the API's (shared/jobs.ts), less the project's student id that the service adds. */
export type TrainJobResult = Omit<TrainRunSummary, 'studentId'>;

/** What training.json holds: the source of the exported model card. */
export interface TrainingRecord {
  name: string;
  createdAt: string;
  model: Record<string, unknown>;
  input: { size: number; channels: number; classes: number };
  options: TrainOptions;
  data: {
    source: string;
    targetMode: string;
    trainImages: number;
    valImages: number;
    trainCases: number;
    valCases: number;
    split: TrainJobRequest['split'];
  };
  teachers: string[];
  result: Omit<TrainResult, 'model'>;
  software: Record<string, string>;
}

export async function runTrainingJob(
  req: TrainJobRequest,
  hooks: TrainHooks & { onPhase?(phase: string): void } = {},
): Promise<TrainJobResult> {
  const outDir = ensureWritableDir(req.outDir, 'output folder');
  // A fresh run never overwrites another run's checkpoints.
  if (!req.resume && hasCheckpoint(join(outDir, CHECKPOINT_DIR)))
    throw new AppError(
      ErrorCode.ALREADY_EXISTS,
      `${outDir} already holds a training run: resume it (--resume) or choose another output folder`,
      { path: outDir },
    );
  hooks.onPhase?.('loading data');
  const { samples, unpaired, source } =
    req.data.kind === 'folders'
      ? {
          ...(await loadFolderSamples(
            req.data.images,
            req.data.masks,
            req.data.caseRegex ? { caseRegex: new RegExp(req.data.caseRegex) } : {},
          )),
          source: `${req.data.images} + ${req.data.masks}`,
        }
      : { samples: req.data.samples, unpaired: [] as string[], source: req.data.description };
  if (samples.length === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'The training set is empty', { field: 'data' });
  const split =
    'foldsFile' in req.split
      ? splitByFold(samples, readFoldFile(req.split.foldsFile), req.split.fold)
      : 'valIds' in req.split
        ? splitByIds(samples, req.split.valIds)
        : splitByCase(samples, req.split.valFraction, req.options.seed);
  if (split.train.length === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'The split leaves no image for training', {
      field: 'split',
    });

  // The geometry comes from the zoo config, or from the model being fine-tuned.
  let geometry: { size: number; inChannels: number; classes: number };
  let describe: Record<string, unknown>;
  let createModel: () => Promise<tf.LayersModel>;
  if (req.model.kind === 'zoo') {
    const config = validateConfig(req.model.config);
    geometry = { size: config.size, inChannels: config.inChannels, classes: config.classes };
    describe = { ...config };
    createModel = async () => buildModel(config);
  } else {
    const dir = req.model.dir;
    const { model } = await readLayersModel(dir);
    geometry = modelGeometry(model);
    const base = readBaseDescription(dir);
    describe = { ...base, finetunedFrom: dir };
    createModel = async () => model;
  }
  hooks.onPhase?.('preparing');
  const prep = (s: Sample[]) =>
    prepare(s, geometry.size, geometry.inChannels, req.options.targetMode, geometry.classes);
  const data = { train: prep(split.train), val: prep(split.val) };

  const result = await trainStudent(
    {
      createModel,
      describe,
      options: req.options,
      data,
      checkpointDir: join(outDir, CHECKPOINT_DIR),
      resume: req.resume,
    },
    hooks,
  );
  const best = bestModelDir(join(outDir, CHECKPOINT_DIR));
  const modelDir = join(outDir, MODEL_DIR);
  if (best && !result.cancelled) copyDir(best, modelDir);
  const cases = (s: Sample[]) => new Set(s.map((x) => x.caseId)).size;
  const { model: _m, ...rest } = result;
  const record: TrainingRecord = {
    name: req.name,
    createdAt: new Date().toISOString(),
    model: result.model,
    input: { size: geometry.size, channels: geometry.inChannels, classes: geometry.classes },
    options: req.options,
    data: {
      source,
      targetMode: req.options.targetMode,
      trainImages: split.train.length,
      valImages: split.val.length,
      trainCases: cases(split.train),
      valCases: cases(split.val),
      split: req.split,
    },
    teachers: req.teachers ?? [],
    result: rest,
    software: {
      'tfjs-core': tf.version_core,
      'tfjs-layers': tf.version_layers,
      backend: tf.getBackend(),
      node: process.versions.node,
    },
  };
  if (!result.cancelled) writeFileAtomic(join(outDir, TRAINING_JSON), JSON.stringify(record, null, 1));
  return {
    ...result,
    name: req.name,
    outDir,
    modelDir,
    trainImages: split.train.length,
    valImages: split.val.length,
    trainCases: cases(split.train),
    valCases: cases(split.val),
    unpaired,
  };
}

/**
 * The architecture description of a model folder: from its run's training.json (OUT/model) or from the
 * card beside an export's tfjs/ folder (its `apprentice` block); a model from elsewhere is 'imported'.
 */
function readBaseDescription(modelDir: string): Record<string, unknown> {
  const parent = join(modelDir, '..');
  const cards = existsSync(parent)
    ? readdirSync(parent).filter((n) => n.endsWith('.json') && n !== TRAINING_JSON)
    : [];
  const candidates: [string, (j: Record<string, unknown>) => unknown][] = [
    [join(parent, TRAINING_JSON), (j) => j.model],
    [join(modelDir, TRAINING_JSON), (j) => j.model],
    ...cards.map((n): [string, (j: Record<string, unknown>) => unknown] => [
      join(parent, n),
      (j) => j.apprentice,
    ]),
  ];
  for (const [file, pick] of candidates) {
    try {
      const found = pick(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
      if (found && typeof found === 'object') return found as Record<string, unknown>;
    } catch {
      /* absent or not ours: try the next */
    }
  }
  return { arch: 'imported' };
}
