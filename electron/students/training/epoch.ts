/**
 * One epoch's steps: a seeded shuffle, each batch fetched (the next one loading meanwhile), augmented
 * with the run's RNG, one optimizer step at the scheduled learning rate. Ends after the epoch's steps,
 * when asked to stop (between steps), or when the time budget leaves just room to validate and save.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { augmentPair } from '../augment.js';
import type { RunState } from '../checkpoint.js';
import type { ModelGeometry } from '../predict.js';
import type { Rng } from '../rng.js';
import type { PreparedSet } from '../samples/prepared-set.js';
import type { TrainHooks, TrainOptions } from './types.js';
import { assertFits, batchTensors, type StudentStep } from './step.js';
import { learningRateAt } from './schedule.js';
import { gpuMemoryField } from './gpu-memory.js';

export interface EpochPlan {
  options: TrainOptions;
  geometry: ModelGeometry;
  train: PreparedSet;
  /** Samples per step, and steps per epoch / in the whole run. */
  batch: number;
  steps: number;
  totalSteps: number;
  step: StudentStep;
  /** Sets the optimizer's learning rate for the next step. */
  setLearningRate(lr: number): void;
  rng: Rng;
  hooks: TrainHooks;
}

export interface EpochOutcome {
  lossSum: number;
  stepsDone: number;
  /** The learning rate of the last step. */
  learningRate: number;
  /** The time budget ended the epoch early. */
  budgetHit: boolean;
  /** Stopped on request before the epoch ended (nothing of it is kept). */
  cancelled: boolean;
}

export async function runEpoch(
  plan: EpochPlan,
  state: RunState,
  epoch: number,
  epochStart: number,
  validationSeconds: number,
): Promise<EpochOutcome> {
  const { options, geometry: g, batch, steps, rng, hooks } = plan;
  const order = rng.shuffle([...Array(plan.train.length).keys()]);
  const at = (step: number) => order.slice(step * batch, step * batch + batch);
  const out: EpochOutcome = {
    lossSum: 0,
    stepsDone: 0,
    learningRate: options.learningRate,
    budgetHit: false,
    cancelled: false,
  };
  const binary = options.targetMode === 'binary';
  for (let step = 0; step < steps; step++) {
    if (hooks.shouldStop?.()) return { ...out, cancelled: true };
    const t0 = Date.now();
    const items = await plan.train.get(at(step));
    if (step + 1 < steps) plan.train.prefetch(at(step + 1));
    for (const s of items) assertFits(s, g);
    const pairs = items.map((s) =>
      options.augment
        ? augmentPair(s.x, s.y, g.size, g.inChannels, g.classes, options.augment, rng, binary)
        : s,
    );
    const timeFraction = options.maxSeconds
      ? (state.elapsedSeconds + (Date.now() - epochStart) / 1000) / options.maxSeconds
      : 0;
    out.learningRate = learningRateAt(options, state.globalStep, plan.totalSteps, timeFraction);
    plan.setLearningRate(out.learningRate);
    const { x, y } = batchTensors(pairs, g);
    let value: number;
    try {
      value = await plan.step(x, y);
    } finally {
      x.dispose();
      y.dispose();
    }
    if (!Number.isFinite(value))
      throw new AppError(
        ErrorCode.INTERNAL,
        `Training diverged at epoch ${epoch}, step ${step + 1} (loss ${value}); lower the learning rate`,
        { epoch },
      );
    out.lossSum += value;
    out.stepsDone++;
    state.globalStep++;
    hooks.onProgress?.({
      phase: 'train',
      epoch,
      epochs: options.epochs,
      step: step + 1,
      steps,
      globalStep: state.globalStep,
      loss: out.lossSum / (step + 1),
      learningRate: out.learningRate,
      msPerStep: Date.now() - t0,
      ...gpuMemoryField(),
    });
    // The budget ends the epoch early (validation and checkpoint still run within it).
    if (
      options.maxSeconds !== null &&
      state.elapsedSeconds + (Date.now() - epochStart) / 1000 + validationSeconds >= options.maxSeconds
    ) {
      out.budgetHit = true;
      break;
    }
  }
  return out;
}
