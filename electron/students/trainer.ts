/**
 * The training loop of a student: seeded shuffling and augmentation, Adam (the engine's fused Adam)
 * with linear warm-up and cosine decay, Dice + BCE loss, validation Dice/IoU after every epoch, early
 * stopping on validation Dice, a checkpoint every epoch (resume continues bit for bit), the best model
 * kept, cancellation between steps and an optional time budget. Runs wherever it is called: the worker
 * (electron/workers/train-worker.ts) in the app, or in-process in tests and benchmarks.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { FusedAdamOptimizer } from '../engine/training/fused-adam.js';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import * as tf from '../engine/tf.js';
import { inferenceModel, isEncoderLayer } from '../engine/zoo/index.js';
import { overlapCounts, overlapMetrics } from '../engine/metrics/overlap.js';
import { augmentPair, type AugmentOptions } from './augment.js';
import {
  hasCheckpoint,
  loadCheckpoint,
  saveBest,
  saveCheckpoint,
  type CheckpointMeta,
  type EpochRecord,
  type RunState,
} from './checkpoint.js';
import type { Prepared, TargetMode } from './dataset.js';
import type { LossWeights } from './loss.js';
import { modelLoss } from './loss.js';
import { concat, modelGeometry, predictProbabilities, toLabels } from './predict.js';
import { Rng } from './rng.js';
import { epochsFor, RECIPE } from '../../shared/recipe.js';

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
  data: { train: Prepared[]; val: Prepared[] };
  checkpointDir: string;
  /** Continue from the latest checkpoint in checkpointDir, when there is one. */
  resume: boolean;
}

export interface TrainResult {
  epochsRun: number;
  bestEpoch: number | null;
  bestValDice: number | null;
  bestValIou: number | null;
  history: EpochRecord[];
  stoppedEarly: boolean;
  cancelled: boolean;
  timeBudgetHit: boolean;
  resumedFromEpoch: number | null;
  params: number;
  seconds: number;
  model: Record<string, unknown>;
}

/**
 * Linear warm-up, then cosine decay to the minimum. `timeFraction` (elapsed / budget) advances the decay
 * when a time budget, not the epoch count, ends the run, so the rate still anneals within the budget.
 */
export function learningRateAt(o: TrainOptions, step: number, totalSteps: number, timeFraction = 0): number {
  if (o.warmupSteps > 0 && step < o.warmupSteps) return o.learningRate * (0.1 + (0.9 * step) / o.warmupSteps);
  const span = Math.max(1, totalSteps - o.warmupSteps);
  const t = Math.min(1, Math.max((step - o.warmupSteps) / span, timeFraction));
  return o.minLearningRate + 0.5 * (o.learningRate - o.minLearningRate) * (1 + Math.cos(Math.PI * t));
}

/** Mean per-image Dice/IoU of thresholded predictions against the (thresholded) targets, model grid. */
export function validationScores(
  model: tf.LayersModel,
  val: readonly Prepared[],
  batchSize: number,
): { dice: number; iou: number } | null {
  if (val.length === 0) return null;
  const { classes } = modelGeometry(model);
  const probs = predictProbabilities(
    model,
    val.map((v) => v.x),
    batchSize,
  );
  let dice = 0,
    iou = 0;
  probs.forEach((p, i) => {
    const pred = toLabels(p, classes);
    const truth = toLabels(val[i]!.y, classes);
    const m = overlapMetrics(overlapCounts(pred, truth));
    dice += m.dice;
    iou += m.iou;
  });
  return { dice: dice / val.length, iou: iou / val.length };
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function checkData(model: tf.LayersModel, data: TrainRequest['data']): void {
  if (data.train.length === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'The training set is empty', { field: 'train' });
  const g = modelGeometry(model);
  const xLen = g.size * g.size * g.inChannels,
    yLen = g.size * g.size * g.classes;
  for (const s of [...data.train, ...data.val])
    if (s.x.length !== xLen || s.y.length !== yLen)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `Sample ${s.id} does not fit the model's ${g.size}x${g.size}x${g.inChannels} input`,
        { id: s.id },
      );
}

export async function trainStudent(req: TrainRequest, hooks: TrainHooks = {}): Promise<TrainResult> {
  let options = req.options;
  let model: tf.LayersModel;
  let state: RunState;
  let describe = req.describe;
  let optimizerWeights: NamedTensor[] | null = null;
  let resumedFromEpoch: number | null = null;

  const ckpt =
    req.resume && hasCheckpoint(req.checkpointDir) ? await loadCheckpoint(req.checkpointDir) : null;
  if (ckpt) {
    model = ckpt.model;
    // The resumed run keeps its recipe; only the epoch count (and budget) may be raised.
    options = {
      ...(ckpt.meta.options as unknown as TrainOptions),
      epochs: req.options.epochs,
      steps: req.options.steps ?? null,
      maxSeconds: req.options.maxSeconds,
    };
    describe = ckpt.meta.model;
    state = ckpt.meta.state;
    optimizerWeights = ckpt.optimizerWeights;
    resumedFromEpoch = state.epoch;
  } else {
    model = await req.createModel();
    state = {
      epoch: 0,
      globalStep: 0,
      rng: new Rng(options.seed).state(),
      bestValDice: null,
      bestEpoch: null,
      badEpochs: 0,
      history: [],
      adamAcc: null,
      elapsedSeconds: 0,
    };
  }
  checkData(model, req.data);
  if (options.freezeEncoder) for (const l of model.layers) if (isEncoderLayer(l.name)) l.trainable = false;

  const g = modelGeometry(model);
  const predictor = inferenceModel(model);
  const optimizer = new FusedAdamOptimizer(options.learningRate);
  const opt = optimizer as unknown as AdamInternals & { learningRate: number };
  if (optimizerWeights) {
    await optimizer.setWeights(optimizerWeights);
    optimizerWeights.forEach((w) => w.tensor.dispose());
    if (state.adamAcc) {
      opt.accBeta1.assign(tf.scalar(state.adamAcc[0]));
      opt.accBeta2.assign(tf.scalar(state.adamAcc[1]));
    }
  }
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const n = req.data.train.length;
  const batch = Math.min(options.batchSize, n);
  const steps = Math.min(options.stepsPerEpoch ?? Infinity, Math.max(1, Math.floor(n / batch)));
  if (options.steps !== null && options.steps !== undefined)
    options = { ...options, epochs: Math.min(options.epochs, epochsFor({ steps: options.steps }, steps)) };
  const totalSteps = steps * options.epochs;
  const rng = new Rng(state.rng);
  const binary = options.targetMode === 'binary';
  const result = (extra: Partial<TrainResult>): TrainResult => ({
    epochsRun: state.epoch,
    bestEpoch: state.bestEpoch,
    bestValDice: state.bestValDice,
    bestValIou: state.history.find((h) => h.epoch === state.bestEpoch)?.valIou ?? null,
    history: state.history,
    stoppedEarly: false,
    cancelled: false,
    timeBudgetHit: false,
    resumedFromEpoch,
    params: model.countParams(),
    seconds: state.elapsedSeconds,
    model: describe,
    ...extra,
  });

  try {
    let validationSeconds = 0;
    while (state.epoch < options.epochs) {
      if (options.maxSeconds !== null && state.elapsedSeconds >= options.maxSeconds)
        return result({ timeBudgetHit: true });
      const epochStart = Date.now();
      const epoch = state.epoch + 1;
      const order = rng.shuffle([...Array(n).keys()]);
      let lossSum = 0;
      let lr = options.learningRate;
      let stepsDone = 0;
      let budgetHit = false;
      for (let step = 0; step < steps; step++) {
        if (hooks.shouldStop?.()) return result({ cancelled: true });
        const t0 = Date.now();
        const items = order.slice(step * batch, step * batch + batch).map((i) => req.data.train[i]!);
        const pairs = items.map((s) =>
          options.augment
            ? augmentPair(s.x, s.y, g.size, g.inChannels, g.classes, options.augment, rng, binary)
            : s,
        );
        const timeFraction = options.maxSeconds
          ? (state.elapsedSeconds + (Date.now() - epochStart) / 1000) / options.maxSeconds
          : 0;
        lr = learningRateAt(options, state.globalStep, totalSteps, timeFraction);
        opt.learningRate = lr;
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(concat(pairs.map((p) => p.x)), [pairs.length, g.size, g.size, g.inChannels]);
          const y = tf.tensor4d(concat(pairs.map((p) => p.y)), [pairs.length, g.size, g.size, g.classes]);
          return optimizer.minimize(
            () => modelLoss(y, model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[], options.loss),
            true,
            vars,
          )!;
        });
        const value = loss.dataSync()[0]!;
        loss.dispose();
        if (!Number.isFinite(value))
          throw new AppError(
            ErrorCode.INTERNAL,
            `Training diverged at epoch ${epoch}, step ${step + 1} (loss ${value}); lower the learning rate`,
            { epoch },
          );
        lossSum += value;
        stepsDone++;
        state.globalStep++;
        hooks.onProgress?.({
          phase: 'train',
          epoch,
          epochs: options.epochs,
          step: step + 1,
          steps,
          globalStep: state.globalStep,
          loss: lossSum / (step + 1),
          learningRate: lr,
          msPerStep: Date.now() - t0,
        });
        // The budget ends the epoch early (validation and checkpoint still run within it).
        if (
          options.maxSeconds !== null &&
          state.elapsedSeconds + (Date.now() - epochStart) / 1000 + validationSeconds >= options.maxSeconds
        ) {
          budgetHit = true;
          break;
        }
      }
      const valStart = Date.now();
      const scores = validationScores(predictor, req.data.val, batch);
      validationSeconds = (Date.now() - valStart) / 1000;
      const seconds = (Date.now() - epochStart) / 1000;
      state.epoch = epoch;
      state.elapsedSeconds += seconds;
      state.history.push({
        epoch,
        loss: lossSum / stepsDone,
        valDice: scores?.dice ?? null,
        valIou: scores?.iou ?? null,
        learningRate: lr,
        seconds,
      });
      state.rng = rng.state();
      state.adamAcc = [opt.accBeta1.dataSync()[0]!, opt.accBeta2.dataSync()[0]!];
      const improved = scores !== null && (state.bestValDice === null || scores.dice > state.bestValDice);
      if (scores === null || improved) {
        state.bestValDice = scores?.dice ?? null;
        state.bestEpoch = epoch;
        state.badEpochs = 0;
      } else {
        state.badEpochs++;
      }
      hooks.onProgress?.({
        phase: 'checkpoint',
        epoch,
        epochs: options.epochs,
        step: stepsDone,
        steps,
        globalStep: state.globalStep,
        loss: lossSum / stepsDone,
        learningRate: lr,
        msPerStep: (seconds * 1000) / stepsDone,
        ...(scores ? { valDice: scores.dice, valIou: scores.iou } : {}),
      });
      const meta: CheckpointMeta = {
        model: describe,
        options: options as unknown as Record<string, unknown>,
        state,
      };
      if (improved || scores === null) await saveBest(req.checkpointDir, predictor, meta);
      await saveCheckpoint(req.checkpointDir, model, optimizer, meta);
      if (budgetHit) return result({ timeBudgetHit: true });
      if (options.patience > 0 && state.badEpochs >= options.patience) return result({ stoppedEarly: true });
    }
    return result({});
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
