/**
 * One benchmark measurement in a fresh process (so peak RSS belongs to this model and backend alone):
 *   tsx test/bench/engine-worker.ts '{"path":"reference","backend":"native","filters":[8,16,32],"size":128,"batch":8,"steps":5}'
 * Random normal input, random 0/1 target, 2 warm-up steps, median of `steps` train steps, then median of
 * `steps` inferences. Prints one JSON line. Two paths:
 *   reference  the U-Net of ../shared/bench/torch_unet.py (./reference/unet.ts), Adam(1e-3), BCE with
 *              logits: the same network and step as the PyTorch script, for the ratio.
 *   product    what a user's training runs: the zoo's plain U-Net ('unet' preset, width = filters[0],
 *              depth = levels - 1), the engine's fused Adam at the recipe's learning rate and the
 *              students' Dice + BCE loss (modelLoss, the trainer's default weights), stepped as
 *              electron/students/trainer.ts steps (minimize inside tidy, loss read back each step).
 */
import type { ComputeBackendChoice } from '../../shared/compute.js';
import { initCompute } from '../../electron/engine/backend.js';
import { buildModel, resolveConfig } from '../../electron/engine/zoo/index.js';
import { modelLoss } from '../../electron/students/loss.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../electron/students/trainer.js';
import { buildUNet } from './reference/unet.js';
import * as tf from '../../electron/engine/tf.js';
import { FusedAdamOptimizer } from '../../electron/engine/training/fused-adam.js';
import { bceWithLogits } from '../../electron/engine/training/losses.js';
import { makeTrainStep } from './reference/train-step.js';

interface Job {
  path: 'reference' | 'product';
  backend: ComputeBackendChoice;
  filters: number[];
  size: number;
  batch: number;
  steps: number;
}
const job = JSON.parse(process.argv[2] ?? '{}') as Job;

function medianMs(fn: () => void, n: number): number {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const info = await initCompute({ requested: job.backend });
/** The trainer's step (electron/students/trainer.ts, one batch): minimize the loss, read it back. */
function productStep(model: tf.LayersModel): (x: tf.Tensor, y: tf.Tensor) => number {
  const optimizer = new FusedAdamOptimizer(DEFAULT_TRAIN_OPTIONS.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return (x, y) => {
    const loss = tf.tidy(() =>
      optimizer.minimize(
        () =>
          modelLoss(
            y,
            model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[],
            DEFAULT_TRAIN_OPTIONS.loss,
          ),
        true,
        vars,
      )!,
    );
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
}

const model =
  job.path === 'product'
    ? buildModel(
        resolveConfig('unet', {
          width: job.filters[0]!,
          depth: job.filters.length - 1,
          size: job.size,
          inChannels: 1,
          classes: 1,
        }),
      )
    : buildUNet({ filters: job.filters, size: job.size });
const step =
  job.path === 'product'
    ? productStep(model)
    : makeTrainStep(model, new FusedAdamOptimizer(1e-3), bceWithLogits);
const x = tf.randomNormal([job.batch, job.size, job.size, 1], 0, 1, 'float32', 0);
const y = tf.tidy(() =>
  tf.cast(
    tf.greater(tf.randomUniform([job.batch, job.size, job.size, 1], 0, 1, 'float32', 1), 0.5),
    'float32',
  ),
);
for (let i = 0; i < 2; i++) step(x, y);
const train = medianMs(() => step(x, y), job.steps);
const infer1 = () => {
  // Read the result outside tidy: a typed array returned from tidy gets walked element by element.
  const out = tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor);
  out.dataSync();
  out.dispose();
};
infer1();
const infer = medianMs(infer1, job.steps);
const params = model.countParams();
console.log(
  JSON.stringify({
    framework: 'apprentice',
    path: job.path,
    backend: info.backend,
    nativeLibrary: info.nativeLibrary ?? null,
    threads: info.threads,
    filters: job.filters,
    size: job.size,
    batch: job.batch,
    params,
    train_ms_median: Math.round(train * 10) / 10,
    infer_ms_median: Math.round(infer * 10) / 10,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
