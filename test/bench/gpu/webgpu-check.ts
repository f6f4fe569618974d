/**
 * The WebGPU path, checked on whatever adapter Dawn finds (a real GPU, or Mesa's lavapipe in CI-like
 * machines): which adapter, whether every kernel the U-Net trains with agrees with the CPU backend,
 * whether a short training run follows the CPU run, and how fast a train step and an inference are.
 *
 *   npx tsx test/bench/gpu/webgpu-check.ts [--steps 5] [--skip-bench] [--adapter-only]
 *
 * Needs the optional packages `webgpu` (Dawn, prebuilt) and `@tensorflow/tfjs-backend-webgpu`.
 * Prints progress to stderr and ONE JSON line to stdout. Exit codes: 0 checked, 1 a check failed,
 * 3 no adapter (or the packages are missing): the message says which.
 */
import { parseArgs } from 'node:util';
import { buildUNet } from '../reference/unet.js';
import * as tf from '../../../electron/engine/tf.js';
import { bceWithLogits } from '../../../electron/engine/training/losses.js';
import { makeTrainStep } from '../reference/train-step.js';
import { UNET_SIZES } from '../unet-sizes.js';

const { values: opt } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    'skip-bench': { type: 'boolean', default: false },
    'adapter-only': { type: 'boolean', default: false },
  },
});
const steps = Math.max(1, Number(opt.steps));
const log = (s: string) => process.stderr.write(`[webgpu-check] ${s}\n`);
const out: Record<string, unknown> = { node: process.version };

function finish(code: number): never {
  console.log(JSON.stringify(out));
  process.exit(code);
}

// ---- 1. Dawn and the adapter -------------------------------------------------------------------
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
let adapterInfo: AdapterInfoLike | undefined;
try {
  const dawn = (await import('webgpu')) as unknown as {
    create(opts: string[]): { requestAdapter(o?: object): Promise<unknown> };
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as {
    info?: AdapterInfoLike;
    isFallbackAdapter?: boolean;
    features: Set<string>;
    limits: Record<string, number>;
  } | null;
  if (!adapter) {
    out.adapter = null;
    out.error =
      'no hardware adapter found: Dawn found no Vulkan/Metal/D3D12 device (is a GPU driver and the Vulkan loader installed?)';
    log(String(out.error));
    finish(3);
  }
  adapterInfo = adapter.info;
  out.adapter = {
    ...adapter.info,
    fallback: adapter.isFallbackAdapter ?? null,
    features: [...adapter.features].sort(),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
  log(`adapter: ${JSON.stringify(adapter.info)}`);
} catch (err) {
  out.error = `webgpu package not usable: ${(err as Error).message.split('\n')[0]} (npm install webgpu @tensorflow/tfjs-backend-webgpu)`;
  log(String(out.error));
  finish(3);
}
if (opt['adapter-only']) finish(0);

// tfjs-backend-webgpu registers itself on import only when navigator.gpu exists, so it loads after Dawn.
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) {
  out.error = 'tfjs-backend-webgpu did not initialise on this adapter';
  finish(1);
}
out.software = /llvmpipe|lavapipe|swiftshader/i.test(
  `${adapterInfo?.description ?? ''} ${adapterInfo?.device ?? ''} ${adapterInfo?.architecture ?? ''}`,
);

// ---- 2. Kernel correctness against the CPU backend -----------------------------------------------
/** Runs fn on a backend and returns every output as a Float32Array. */
async function onBackend(name: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(name);
  const ts = fn();
  const data = await Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
  ts.forEach((t) => t.dispose());
  return data.map((d) => Float32Array.from(d));
}

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Seeded inputs built on the CPU and copied, so both backends see the same numbers. */
function inputs(shapes: number[][], seed: number): () => tf.Tensor[] {
  const vals = shapes.map((s, i) =>
    tf
      .randomNormal(s, 0, 1, 'float32', seed + i)
      .dataSync()
      .slice(),
  );
  return () => shapes.map((s, i) => tf.tensor(vals[i]!, s));
}

type KernelCase = { name: string; shapes: number[][]; fn: (...xs: tf.Tensor[]) => tf.Tensor };
const cases: KernelCase[] = [
  {
    name: 'conv2d 3x3 same',
    shapes: [
      [2, 32, 32, 8],
      [3, 3, 8, 16],
    ],
    fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
  },
  {
    name: 'fused conv2d + bias + relu',
    shapes: [[2, 32, 32, 8], [3, 3, 8, 16], [16]],
    fn: (x, w, b) =>
      tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: b,
        activation: 'relu',
      }),
  },
  {
    name: 'conv2dTranspose 2x2 stride 2',
    shapes: [
      [2, 16, 16, 16],
      [2, 2, 8, 16],
    ],
    fn: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 32, 32, 8], 2, 'valid'),
  },
  { name: 'maxPool 2x2', shapes: [[2, 32, 32, 8]], fn: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'relu', shapes: [[2, 32, 32, 8]], fn: (x) => tf.relu(x) },
  {
    name: 'concat (channels)',
    shapes: [
      [2, 16, 16, 8],
      [2, 16, 16, 8],
    ],
    fn: (a, b) => tf.concat([a!, b!], 3),
  },
  {
    name: 'conv 1x1 head',
    shapes: [
      [2, 32, 32, 8],
      [1, 1, 8, 1],
    ],
    fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
  },
  {
    name: 'BCE with logits (loss)',
    shapes: [
      [2, 32, 32, 1],
      [2, 32, 32, 1],
    ],
    // Soft targets (sigmoid of an input) keep the whole expression differentiable.
    fn: (logits, t) => bceWithLogits(tf.sigmoid(t!), logits!),
  },
];

const kernels: { name: string; forward: number; backward: number; ok: boolean }[] = [];
const TOL = 1e-4;
for (const c of cases) {
  const mk = inputs(c.shapes, 7);
  const run = () =>
    tf.tidy(() => {
      const xs = mk();
      // Gradients of sum(out * r) with a fixed r exercise the backward kernels with non-uniform dy.
      const f = (...a: tf.Tensor[]) => {
        const y = c.fn(...a);
        return tf.sum(tf.mul(y, tf.randomUniform(y.shape, 0.5, 1.5, 'float32', 11)));
      };
      const g = tf.grads(f)(xs);
      return [c.fn(...xs), ...g];
    });
  const cpu = await onBackend('cpu', run);
  const gpu = await onBackend('webgpu', run);
  const forward = relL2(gpu[0]!, cpu[0]!);
  const backward = Math.max(...gpu.slice(1).map((g, i) => relL2(g, cpu[i + 1]!)));
  const ok = forward <= TOL && backward <= TOL;
  kernels.push({ name: c.name, forward, backward, ok });
  log(
    `${ok ? 'ok  ' : 'FAIL'} ${c.name}: forward ${forward.toExponential(2)}, backward ${backward.toExponential(2)}`,
  );
}
out.kernels = kernels;

// ---- 3. A short training run: losses follow the CPU run -------------------------------------------
async function lossCurve(backend: string, n: number): Promise<number[]> {
  await tf.setBackend(backend);
  const model = buildUNet({ filters: [8, 16, 32], size: 64 });
  // Same starting weights on both backends: glorot init draws from Math.random, so set them explicitly.
  model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.1, 'float32', 100 + i)));
  const step = makeTrainStep(model, tf.train.adam(1e-3), bceWithLogits);
  const x = tf.randomNormal([4, 64, 64, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([4, 64, 64, 1], 0, 1, 'float32', 2), 0.5), 'float32'),
  );
  const losses: number[] = [];
  for (let i = 0; i < n; i++) losses.push(await step(x, y));
  tf.dispose([x, y]);
  model.dispose();
  return losses;
}
const cpuLoss = await lossCurve('cpu', 8);
const gpuLoss = await lossCurve('webgpu', 8);
const lossDiff = Math.max(...cpuLoss.map((l, i) => Math.abs(l - gpuLoss[i]!) / Math.abs(l)));
out.training = { cpu: cpuLoss, webgpu: gpuLoss, maxRelDiff: lossDiff, ok: lossDiff <= 1e-3 };
log(`training losses: max relative difference ${lossDiff.toExponential(2)} over ${cpuLoss.length} steps`);

// ---- 4. Speed (meaningless on a software adapter) ---------------------------------------------------
const SIZES = UNET_SIZES;
if (!opt['skip-bench']) {
  await tf.setBackend('webgpu');
  const bench: Record<string, { train_ms_median: number; infer_ms_median: number; params: number }> = {};
  for (const [name, s] of Object.entries(SIZES)) {
    const model = buildUNet({ filters: [...s.filters], size: s.size });
    const step = makeTrainStep(model, tf.train.adam(1e-3), bceWithLogits);
    const x = tf.randomNormal([s.batch, s.size, s.size, 1], 0, 1, 'float32', 0);
    const y = tf.tidy(() =>
      tf.cast(tf.greater(tf.randomUniform([s.batch, s.size, s.size, 1], 0, 1, 'float32', 1), 0.5), 'float32'),
    );
    const median = async (fn: () => Promise<void>) => {
      const ts: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t = performance.now();
        await fn();
        ts.push(performance.now() - t);
      }
      return Math.round(ts.sort((a, b) => a - b)[Math.floor(steps / 2)]! * 10) / 10;
    };
    // makeTrainStep reads the loss back, so a step is complete when it resolves.
    const train = async () => void (await step(x, y));
    const infer = async () => {
      const o = tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor);
      await o.data();
      o.dispose();
    };
    for (let i = 0; i < 2; i++) await train();
    await infer();
    bench[name] = {
      train_ms_median: await median(train),
      infer_ms_median: await median(infer),
      params: model.countParams(),
    };
    log(`${name}: train ${bench[name]!.train_ms_median} ms, infer ${bench[name]!.infer_ms_median} ms`);
    tf.dispose([x, y]);
    model.dispose();
  }
  out.bench = bench;
  const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  out.gpuBytesAfter = mem.numBytesInGPU ?? null;
}

const failed = kernels.some((k) => !k.ok) || !(out.training as { ok: boolean }).ok;
finish(failed ? 1 : 0);
