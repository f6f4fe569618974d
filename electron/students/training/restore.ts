/**
 * Where a run starts: a fresh model and state, or the latest checkpoint of an interrupted run (its
 * recipe kept; only the length and the time budget may change), with Adam's moments and step restored
 * exactly.
 */
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { FusedAdamOptimizer } from '../../engine/training/fused-adam.js';
import * as tf from '../../engine/tf.js';
import { isEncoderLayer } from '../../engine/zoo/index.js';
import { hasCheckpoint, loadCheckpoint, type RunState } from '../checkpoint.js';
import { Rng } from '../rng.js';
import type { TrainOptions, TrainRequest } from './types.js';

export interface RunStart {
  model: tf.LayersModel;
  options: TrainOptions;
  state: RunState;
  describe: Record<string, unknown>;
  optimizerWeights: NamedTensor[] | null;
  resumedFromEpoch: number | null;
}

function freshState(seed: number): RunState {
  return {
    epoch: 0,
    globalStep: 0,
    rng: new Rng(seed).state(),
    bestValDice: null,
    bestEpoch: null,
    badEpochs: 0,
    history: [],
    adamAcc: null,
    elapsedSeconds: 0,
  };
}

export async function startRun(
  req: Pick<TrainRequest, 'createModel' | 'describe' | 'options' | 'checkpointDir' | 'resume'>,
): Promise<RunStart> {
  const ckpt =
    req.resume && hasCheckpoint(req.checkpointDir) ? await loadCheckpoint(req.checkpointDir) : null;
  let start: RunStart;
  if (ckpt) {
    start = {
      model: ckpt.model,
      // The resumed run keeps its recipe; only the epoch count (and budget) may be raised.
      options: {
        ...(ckpt.meta.options as unknown as TrainOptions),
        epochs: req.options.epochs,
        steps: req.options.steps ?? null,
        maxSeconds: req.options.maxSeconds,
      },
      state: ckpt.meta.state,
      describe: ckpt.meta.model,
      optimizerWeights: ckpt.optimizerWeights,
      resumedFromEpoch: ckpt.meta.state.epoch,
    };
  } else {
    start = {
      model: await req.createModel(),
      options: req.options,
      state: freshState(req.options.seed),
      describe: req.describe,
      optimizerWeights: null,
      resumedFromEpoch: null,
    };
  }
  if (start.options.freezeEncoder)
    for (const l of start.model.layers) if (isEncoderLayer(l.name)) l.trainable = false;
  return start;
}

/** tfjs' Adam keeps its beta powers in these; restored from the state, not recomputed (last-bit exact). */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  learningRate: number;
}

export function adamInternals(optimizer: FusedAdamOptimizer): AdamInternals {
  return optimizer as unknown as AdamInternals;
}

/** The run's optimizer, with the checkpoint's moments when resuming (their tensors are then released). */
export async function restoreOptimizer(start: RunStart): Promise<FusedAdamOptimizer> {
  const optimizer = new FusedAdamOptimizer(start.options.learningRate);
  const weights = start.optimizerWeights;
  if (weights) {
    await optimizer.setWeights(weights);
    weights.forEach((w) => w.tensor.dispose());
    const acc = start.state.adamAcc;
    if (acc) {
      const opt = adamInternals(optimizer);
      opt.accBeta1.assign(tf.scalar(acc[0]));
      opt.accBeta2.assign(tf.scalar(acc[1]));
    }
  }
  return optimizer;
}
