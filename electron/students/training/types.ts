/** The trainer's public shapes: its options and defaults, request, progress, hooks and result. */
import type * as tf from '../../engine/tf.js';
import type { AugmentOptions } from '../augment.js';
import type { LossWeights } from '../loss.js';
import type { PreparedSet } from '../samples/prepared-set.js';
import type { Prepared, TargetMode } from '../samples/sample.js';
import type { TrainRunSummary } from '../../../shared/jobs.js';
import { RECIPE } from '../../../shared/recipe.js';

export interface TrainOptions {
  /** The most epochs to run (the training length itself when `steps` is null). */
  epochs: number;
  /**
   * Training length in optimizer steps, rounded up to whole epochs (capped by `epochs`); null = `epochs`
   * epochs. Sizing by steps keeps a small training set from being under-trained by a fixed epoch count.
   */
  steps: number | null;
  batchSize: number;
  learningRate: number;
  /** The cosine schedule decays to this. */
  minLearningRate: number;
  /** Linear warm-up steps from learningRate / 10 (0 = none). */
  warmupSteps: number;
  /** Stop after this many epochs without a better validation Dice (0 = never). */
  patience: number;
  augment: AugmentOptions | null;
  seed: number;
  loss: LossWeights;
  targetMode: TargetMode;
  /** Fine-tuning: keep the zoo encoder's weights fixed. */
  freezeEncoder: boolean;
  /**
   * Training-time budget in seconds (null = none): the epoch in progress ends early so that its validation
   * and checkpoint still fit, and the run stops there. The learning-rate decay then follows the elapsed
   * fraction of the budget, so budgeted runs are not bit-reproducible.
   */
  maxSeconds: number | null;
  /** Cap on steps per epoch (tests, quick looks); null = one pass over the training set. */
  stepsPerEpoch: number | null;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'augment'> = {
  epochs: RECIPE.epochs.default,
  steps: null,
  batchSize: RECIPE.batchSize.default,
  learningRate: RECIPE.learningRate.default,
  minLearningRate: RECIPE.learningRate.default / 100,
  warmupSteps: 20,
  patience: RECIPE.patience.default,
  seed: 1,
  loss: { bce: 1, dice: 1 },
  targetMode: 'binary',
  freezeEncoder: false,
  maxSeconds: null,
  stepsPerEpoch: null,
};

export interface TrainProgress {
  phase: 'train' | 'validate' | 'checkpoint';
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  globalStep: number;
  /** Mean training loss of the epoch so far. */
  loss: number;
  learningRate: number;
  msPerStep: number;
  valDice?: number;
  valIou?: number;
  /** GPU memory tfjs holds (live tensors; allocated incl. its pool), on a GPU backend only. */
  gpuMemory?: { usedBytes: number; allocatedBytes: number };
}

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  /** Polled between steps: true stops the run (the last epoch checkpoint stays the resume point). */
  shouldStop?(): boolean;
}

export interface TrainRequest {
  /** Builds the starting model (a fresh zoo model, or a loaded one to fine-tune); not called on resume. */
  createModel: () => tf.LayersModel | Promise<tf.LayersModel>;
  /** Serializable description of the model (zoo config, source), stored in every checkpoint. */
  describe: Record<string, unknown>;
  options: TrainOptions;
  /** Prepared samples in memory, or streamed through a bounded cache (samples/prepared-set.ts). */
  data: { train: readonly Prepared[] | PreparedSet; val: readonly Prepared[] | PreparedSet };
  checkpointDir: string;
  /** Continue from the latest checkpoint in checkpointDir, when there is one. */
  resume: boolean;
}

/**
 * What the loop itself reports: the job result (shared/jobs.ts' TrainRunSummary) less what the job adds
 * around it (name, folders, data counts), so the two cannot drift apart.
 */
export type TrainResult = Omit<TrainRunSummary, keyof TrainJobFields | 'studentId'>;

/** The fields a training job (run.ts) adds to the loop's result. */
export type TrainJobFields = Pick<
  TrainRunSummary,
  'name' | 'outDir' | 'modelDir' | 'trainImages' | 'valImages' | 'trainCases' | 'valCases' | 'unpaired'
>;
