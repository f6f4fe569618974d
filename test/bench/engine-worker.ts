/**
 * One benchmark measurement in a fresh process (so peak RSS belongs to this model and backend alone):
 *   tsx test/bench/engine-worker.ts '{"path":"reference","backend":"native","filters":[8,16,32],"size":128,"batch":8,"steps":5}'
 * Random normal input, random 0/1 target, 2 warm-up steps, median of `steps` train steps, then median of
 * `steps` inferences. Prints one JSON line. Two paths:
 *   reference  the U-Net of ../shared/bench/torch_unet.py (./reference/unet.ts), Adam(1e-3), BCE with
 *              logits: the same network and step as the PyTorch script, for the ratio.
 *   product    what a user's training runs: the zoo's plain U-Net ('unet' preset, width = filters[0],
 *              depth = levels - 1) stepped by the trainer's own step function (studentStep of
 *              electron/students/training/step.ts: the students' Dice + BCE loss with the recipe's
 *              weights, the engine's fused Adam at the recipe's learning rate, loss read back).
 */
import type { ComputeBackendChoice } from '../../shared/compute.js';
import { initCompute } from '../../electron/engine/backend.js';
import { buildModel, resolveConfig } from '../../electron/engine/zoo/index.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../electron/students/trainer.js';
import { studentStep } from '../../electron/students/training/step.js';
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

async function medianMs(fn: () => Promise<unknown>, n: number): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const info = await initCompute({ requested: job.backend });
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
    ? studentStep(
        model,
        new FusedAdamOptimizer(DEFAULT_TRAIN_OPTIONS.learningRate),
        DEFAULT_TRAIN_OPTIONS.loss,
      )
    : makeTrainStep(model, new FusedAdamOptimizer(1e-3), bceWithLogits);
const x = tf.randomNormal([job.batch, job.size, job.size, 1], 0, 1, 'float32', 0);
const y = tf.tidy(() =>
  tf.cast(
    tf.greater(tf.randomUniform([job.batch, job.size, job.size, 1], 0, 1, 'float32', 1), 0.5),
    'float32',
  ),
);
for (let i = 0; i < 2; i++) await step(x, y);
const train = await medianMs(() => step(x, y), job.steps);
const infer1 = async () => {
  // Read the result outside tidy: a typed array returned from tidy gets walked element by element.
  const out = tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor);
  await out.data();
  out.dispose();
};
await infer1();
const infer = await medianMs(infer1, job.steps);
const params = model.countParams();
// GPU memory tfjs allocated for this model and batch (live tensors + its pool), on a GPU backend.
const gpuBytes = (tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU;
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
    ...(info.gpu ? { gpu: info.gpu.description || info.gpu.device } : {}),
    ...(gpuBytes !== undefined ? { gpu_allocated_mb: Math.round(gpuBytes / 1048576) } : {}),
  }),
);
