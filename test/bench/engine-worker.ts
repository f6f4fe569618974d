/**
 * One benchmark measurement in a fresh process (so peak RSS belongs to this model and backend alone):
 *   tsx test/bench/engine-worker.ts '{"backend":"native","filters":[8,16,32],"size":128,"batch":8,"steps":5}'
 * Same protocol as ../shared/bench/torch_unet.py: random normal input, random 0/1 target, Adam(1e-3),
 * BCE with logits, 2 warm-up steps, median of `steps` train steps, then median of `steps` inferences.
 * Prints one JSON line.
 */
import type { ComputeBackendChoice } from '../../shared/compute.js';
import { initCompute } from '../../electron/engine/backend.js';
import { buildUNet } from '../../electron/engine/models/unet.js';
import * as tf from '../../electron/engine/tf.js';
import { FusedAdamOptimizer } from '../../electron/engine/training/fused-adam.js';
import { bceWithLogits } from '../../electron/engine/training/losses.js';
import { makeTrainStep } from '../../electron/engine/training/train-step.js';

interface Job {
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
const model = buildUNet({ filters: job.filters, size: job.size });
const step = makeTrainStep(model, new FusedAdamOptimizer(1e-3), bceWithLogits);
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
