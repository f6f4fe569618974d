/**
 * One training (or fine-tuning) job from a plain request: list and pair the data (no pixels read),
 * split it by case, stream it at the model's size through a bounded cache, train with checkpoints in
 * OUT/checkpoints, copy the best model to OUT/model and write OUT/training.json. The worker runs this;
 * so can tests.
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
import type { Sample } from './dataset.js';
import { folderSource } from './samples/folder-source.js';
import { defaultCacheBytes, sampleCache, streamingSet } from './samples/prepared-set.js';
import { memorySource, type SampleRef, type SampleSource } from './samples/source.js';
import { CHECKPOINT_DIR, copyDir, ensureWritableDir, MODEL_DIR, TRAINING_JSON } from './outputs.js';
import { modelGeometry } from './predict.js';
import { readFoldFile, splitByCase, splitByFold, splitByIds } from './split.js';
import { trainStudent, type TrainHooks, type TrainOptions, type TrainResult } from './trainer.js';

/**
 * Where a run's samples come from. Folders and sources stream: each sample is read when a batch needs it
 * and kept in a cache of `cacheBytes`; `samples` are already in memory (small sets, tests). A `source` is
 * not structured-clone data: the training worker serves it to the worker's thread (workers/).
 */
export type DataSource =
  | { kind: 'folders'; images: string; masks: string; caseRegex?: string }
  | { kind: 'samples'; samples: Sample[]; description: string }
  | { kind: 'source'; source: SampleSource; description: string };

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
  /**
   * Bytes of prepared samples kept between epochs (default: APPRENTICE_SAMPLE_CACHE_MB, else 512 MiB);
   * the rest is read again when needed. Changes speed and memory only, never the result.
   */
  cacheBytes?: number;
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
  hooks.onPhase?.('listing data');
  const { source, unpaired, description } = openSource(req.data);
  const refs = source.refs.map((r, at) => ({ ...r, at }));
  if (refs.length === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'The training set is empty', { field: 'data' });
  const split =
    'foldsFile' in req.split
      ? splitByFold(refs, readFoldFile(req.split.foldsFile), req.split.fold)
      : 'valIds' in req.split
        ? splitByIds(refs, req.split.valIds)
        : splitByCase(refs, req.split.valFraction, req.options.seed);
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
  // Train and validation share one cache: it is keyed by the source's positions.
  const spec = { ...geometry, mode: req.options.targetMode };
  const cache = sampleCache(req.cacheBytes ?? defaultCacheBytes());
  const side = (list: typeof refs) =>
    streamingSet(
      source,
      list.map((r) => r.at),
      spec,
      cache,
    );
  const data = { train: side(split.train), val: side(split.val) };

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
  const cases = (s: readonly SampleRef[]) => new Set(s.map((x) => x.caseId)).size;
  const { model: _m, ...rest } = result;
  const record: TrainingRecord = {
    name: req.name,
    createdAt: new Date().toISOString(),
    model: result.model,
    input: { size: geometry.size, channels: geometry.inChannels, classes: geometry.classes },
    options: req.options,
    data: {
      source: description,
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

function openSource(data: DataSource): { source: SampleSource; unpaired: string[]; description: string } {
  switch (data.kind) {
    case 'folders':
      return {
        ...folderSource(
          data.images,
          data.masks,
          data.caseRegex ? { caseRegex: new RegExp(data.caseRegex) } : {},
        ),
        description: `${data.images} + ${data.masks}`,
      };
    case 'samples':
      return { source: memorySource(data.samples), unpaired: [], description: data.description };
    case 'source':
      return { source: data.source, unpaired: [], description: data.description };
  }
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
