/**
 * The training loop of a student: seeded shuffling and augmentation, Adam (the engine's fused Adam)
 * with linear warm-up and cosine decay, Dice + BCE loss, validation Dice/IoU after every epoch, early
 * stopping on validation Dice, a checkpoint every epoch (resume continues bit for bit), the best model
 * kept, cancellation between steps and an optional time budget. Runs wherever it is called: the worker
 * (electron/workers/train-worker.ts) in the app, or in-process in tests and benchmarks.
 *
 * The stages live in training/: restore.ts (fresh or from a checkpoint), epoch.ts (the steps of one
 * epoch; step.ts is one optimizer step), validate.ts, stopping.ts (best epoch, early stop, budget); the
 * checkpoint writing is checkpoint.ts. The samples come in memory or streamed (samples/prepared-set.ts).
 */
import { assertFitsOnGpu, watchGpu } from '../engine/webgpu/guard.js';
import { gpuMemoryField } from './training/gpu-memory.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import * as tf from '../engine/tf.js';
import { inferenceModel } from '../engine/zoo/index.js';
import { saveBest, saveCheckpoint, type CheckpointMeta, type EpochRecord } from './checkpoint.js';
import type { Prepared } from './dataset.js';
import { modelGeometry } from './predict.js';
import { Rng } from './rng.js';
import { asPreparedSet, type PreparedSet } from './samples/prepared-set.js';
import { runEpoch, type EpochPlan } from './training/epoch.js';
import { adamInternals, restoreOptimizer, startRun } from './training/restore.js';
import { assertFits, studentStep } from './training/step.js';
import { budgetSpent, recordEpoch, stopAfterEpoch } from './training/stopping.js';
import { validationScores } from './training/validate.js';
import type { TrainHooks, TrainRequest, TrainResult } from './training/types.js';
import { epochsFor } from '../../shared/recipe.js';

export {
  DEFAULT_TRAIN_OPTIONS,
  type TrainHooks,
  type TrainOptions,
  type TrainProgress,
  type TrainRequest,
  type TrainResult,
} from './training/types.js';
export { learningRateAt } from './training/schedule.js';
export { validationScores } from './training/validate.js';

/** Samples in memory are checked before the first step; streamed ones as each batch arrives. */
function checkData(model: tf.LayersModel, data: TrainRequest['data']): void {
  const size = (d: readonly Prepared[] | PreparedSet) =>
    Array.isArray(d) ? d.length : (d as PreparedSet).length;
  if (size(data.train) === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'The training set is empty', { field: 'train' });
  const g = modelGeometry(model);
  for (const d of [data.train, data.val])
    if (Array.isArray(d)) for (const s of d as readonly Prepared[]) assertFits(s, g);
}

export async function trainStudent(req: TrainRequest, hooks: TrainHooks = {}): Promise<TrainResult> {
  const start = await startRun(req);
  const { model, state, describe, resumedFromEpoch } = start;
  let options = start.options;
  checkData(model, req.data);
  const train = asPreparedSet(req.data.train),
    val = asPreparedSet(req.data.val);

  const geometry = modelGeometry(model);
  const predictor = inferenceModel(model);
  const optimizer = await restoreOptimizer(start);
  const batch = Math.min(options.batchSize, train.length);
  watchGpu();
  assertFitsOnGpu(model, { batchSize: batch, imageSize: geometry.size, what: 'Training' });
  const steps = Math.min(options.stepsPerEpoch ?? Infinity, Math.max(1, Math.floor(train.length / batch)));
  if (options.steps !== null && options.steps !== undefined)
    options = { ...options, epochs: Math.min(options.epochs, epochsFor({ steps: options.steps }, steps)) };
  const rng = new Rng(state.rng);
  const plan: EpochPlan = {
    options,
    geometry,
    train,
    batch,
    steps,
    totalSteps: steps * options.epochs,
    step: studentStep(model, optimizer, options.loss),
    setLearningRate: (lr) => {
      adamInternals(optimizer).learningRate = lr;
    },
    rng,
    hooks,
  };
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
      if (budgetSpent(state, options)) return result({ timeBudgetHit: true });
      const epochStart = Date.now();
      const epoch = state.epoch + 1;
      const done = await runEpoch(plan, state, epoch, epochStart, validationSeconds);
      if (done.cancelled) return result({ cancelled: true });

      const valStart = Date.now();
      const scores = await validationScores(predictor, val, batch);
      validationSeconds = (Date.now() - valStart) / 1000;
      const seconds = (Date.now() - epochStart) / 1000;
      const record: EpochRecord = {
        epoch,
        loss: done.lossSum / done.stepsDone,
        valDice: scores?.dice ?? null,
        valIou: scores?.iou ?? null,
        learningRate: done.learningRate,
        seconds,
      };
      const best = recordEpoch(state, record, scores);
      state.rng = rng.state();
      const adam = adamInternals(optimizer);
      state.adamAcc = [(await adam.accBeta1.data())[0]!, (await adam.accBeta2.data())[0]!];
      hooks.onProgress?.({
        phase: 'checkpoint',
        epoch,
        epochs: options.epochs,
        step: done.stepsDone,
        steps,
        globalStep: state.globalStep,
        loss: record.loss,
        learningRate: done.learningRate,
        msPerStep: (seconds * 1000) / done.stepsDone,
        ...(scores ? { valDice: scores.dice, valIou: scores.iou } : {}),
        ...gpuMemoryField(),
      });

      const meta: CheckpointMeta = {
        model: describe,
        options: options as unknown as Record<string, unknown>,
        state,
      };
      if (best) await saveBest(req.checkpointDir, predictor, meta);
      await saveCheckpoint(req.checkpointDir, model, optimizer, meta);

      const stop = stopAfterEpoch(state, options, done.budgetHit);
      if (stop) return result(stop);
    }
    return result({});
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
