/**
 * The GPU correctness suite's cases, shared by the vitest suite (test/gpu/*.test.ts) and by the standalone
 * check for real GPU machines (test/bench/gpu/webgpu-check.ts). Everything here runs on whichever tfjs
 * backend is active and returns plain arrays, so a caller compares two backends by running a case on each.
 *   ZOO_CASES      small models of every zoo architecture and of the variants that run different kernels
 *   KERNEL_CASES   one op per kernel the zoo's training step runs, forward and backward
 * Inputs and weights come from a seeded generator (glorot/he initialisers draw from Math.random when
 * unseeded, and a build on another backend must start from the very same numbers).
 */
import * as tf from '../../electron/engine/tf.js';
import { FusedAdamOptimizer } from '../../electron/engine/training/fused-adam.js';
import { atrousConv2d } from '../../electron/engine/zoo/atrous-conv.js';
import { buildModel, resolveConfig, type ArchConfig } from '../../electron/engine/zoo/index.js';
import { modelLoss } from '../../electron/students/loss.js';
import { studentStep } from '../../electron/students/training/step.js';

/** Uniform numbers in [lo, hi) from mulberry32(seed): the same on every machine and backend. */
export function seeded(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 2 ** 32);
  }
  return out;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Kernel names a profile recorded that are kernels of `backend` (tf.profile also lists custom-gradient scopes). */
export function kernelsOf(profile: Awaited<ReturnType<typeof tf.profile>>, backend: string): Set<string> {
  return new Set(profile.kernelNames.filter((k) => tf.getKernel(k, backend) !== undefined));
}

// ---------------------------------------------------------------------------------------------------------
// The zoo

export interface ZooCase {
  /** Label in test names and reports. */
  name: string;
  preset: string;
  overrides: Partial<Omit<ArchConfig, 'arch'>>;
}

/** Small enough for a software rasteriser; together they run every kernel the zoo's training uses. */
export const ZOO_CASES: readonly ZooCase[] = [
  { name: 'unet', preset: 'unet', overrides: { size: 16, width: 2, depth: 2 } },
  { name: 'unet +BatchNorm', preset: 'unet', overrides: { size: 16, width: 2, depth: 2, batchNorm: true } },
  {
    name: 'unet 3 classes, RGB',
    preset: 'unet',
    overrides: { size: 16, width: 2, depth: 2, classes: 3, inChannels: 3 },
  },
  { name: 'attention-unet', preset: 'attention-unet', overrides: { size: 16, width: 2, depth: 2 } },
  {
    name: 'attention-unet +BatchNorm 3 classes',
    preset: 'attention-unet',
    // Width 4: the gates' 1x1 convolutions then have two channels in, not one that BatchNorm divides out.
    overrides: { size: 16, width: 4, depth: 2, batchNorm: true, classes: 3 },
  },
  { name: 'residual-unet', preset: 'residual-unet', overrides: { size: 16, width: 2, depth: 2 } },
  // RGB: with one input channel the shortcut's 1x1 projection before BatchNorm is a per-channel scale that
  // BatchNorm divides out, so its gradient is only the epsilon's tiny share, rounding noise on any backend.
  {
    name: 'residual-unet +BatchNorm, RGB',
    preset: 'residual-unet',
    overrides: { size: 16, width: 2, depth: 2, batchNorm: true, inChannels: 3 },
  },
  { name: 'unet++', preset: 'unet++', overrides: { size: 16, width: 2, depth: 2 } },
  {
    name: 'unet++ deep supervision 2 classes',
    preset: 'unet++-ds',
    overrides: { size: 16, width: 2, depth: 2, classes: 2 },
  },
  // 32 px: the ASPP image pooling then averages a 4x4 map and its nearest up-sampling repeats 4x4.
  { name: 'deeplabv3+', preset: 'deeplabv3+', overrides: { size: 32, width: 2, depth: 2 } },
  {
    name: 'deeplabv3+ +BatchNorm 3 classes',
    preset: 'deeplabv3+',
    overrides: { size: 32, width: 2, depth: 1, batchNorm: true, classes: 3 },
  },
];

export const ZOO_LOSS = { bce: 1, dice: 1 } as const; // the product's default (students/training/types.ts)
export const ZOO_BATCH = 2;

/**
 * The case's model with seeded weights: kernels he-uniform from their fan-in (so activations neither
 * vanish nor blow up through the depth), biases and BatchNorm betas small, gammas around 1, moving
 * variances positive.
 */
export function zooModel(c: ZooCase, seed = 1): tf.LayersModel {
  const model = buildModel(resolveConfig(c.preset, c.overrides));
  const values = model.weights.map((w, i) => {
    const shape = w.shape as number[];
    const n = sizeOf(shape);
    const s = seed * 1000 + i;
    const name = w.originalName;
    if (/gamma$|moving_variance$/.test(name)) return tf.tensor(seeded(n, s, 0.5, 1.5), shape);
    if (shape.length === 4) {
      const limit = Math.sqrt(6 / (shape[0]! * shape[1]! * shape[2]!));
      return tf.tensor(seeded(n, s, -limit, limit), shape);
    }
    return tf.tensor(seeded(n, s, -0.1, 0.1), shape);
  });
  model.setWeights(values);
  tf.dispose(values);
  return model;
}

/** A seeded batch: images in [0, 1), targets 0/1 masks (one class) or one-hot class maps. */
export function zooBatch(c: ZooCase, seed = 2): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const cfg = resolveConfig(c.preset, c.overrides);
  const px = ZOO_BATCH * cfg.size * cfg.size;
  const x = tf.tensor4d(seeded(px * cfg.inChannels, seed, 0, 1), [
    ZOO_BATCH,
    cfg.size,
    cfg.size,
    cfg.inChannels,
  ]);
  const r = seeded(px, seed + 1, 0, 1);
  const y = new Float32Array(px * cfg.classes);
  for (let p = 0; p < px; p++)
    if (cfg.classes === 1) y[p] = r[p]! < 0.4 ? 1 : 0;
    else y[p * cfg.classes + Math.min(cfg.classes - 1, Math.floor(r[p]! * cfg.classes))] = 1;
  return { x, y: tf.tensor4d(y, [ZOO_BATCH, cfg.size, cfg.size, cfg.classes]) };
}

export interface ZooResult {
  loss: number;
  /** Every output (deep supervision: every head), flattened. */
  outputs: Float32Array[];
  /** d loss / d weight for every trainable weight, by the weight's layer-given name (e.g. enc0_conv1/kernel). */
  grads: { name: string; values: Float32Array }[];
}

/** Forward in training mode, the product's loss, and its gradient w.r.t. every trainable weight. */
export async function zooGradients(c: ZooCase): Promise<ZooResult> {
  const model = zooModel(c);
  const { x, y } = zooBatch(c);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let outs: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const o = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
    outs = (Array.isArray(o) ? o : [o]).map((t) => tf.keep(t));
    return modelLoss(y, o, ZOO_LOSS);
  }, vars);
  try {
    return {
      loss: (await value.data())[0]!,
      outputs: await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array)),
      grads: await Promise.all(
        model.trainableWeights.map(async (w) => ({
          name: w.originalName,
          values: (await grads[(w.read() as tf.Variable).name]!.data()) as Float32Array,
        })),
      ),
    };
  } finally {
    tf.dispose([value, x, y, ...outs, ...Object.values(grads)]);
    model.dispose();
  }
}

/**
 * The kernels one training step of the case runs on the active backend: the product's own step
 * (studentStep: training-mode forward, loss, gradients, fused Adam, which on a GPU backend is tfjs' Adam).
 * The step runs once before the profile so that lazily created optimizer state is in it too.
 */
export async function zooStepKernels(c: ZooCase): Promise<Set<string>> {
  const model = zooModel(c);
  const { x, y } = zooBatch(c);
  const optimizer = new FusedAdamOptimizer(1e-3);
  try {
    const step = studentStep(model, optimizer, ZOO_LOSS);
    await step(x, y);
    let loss = NaN;
    const profile = await tf.profile(async () => {
      loss = await step(x, y);
      return [];
    });
    if (!Number.isFinite(loss)) throw new Error(`${c.name}: the profiled step's loss is ${loss}`);
    return kernelsOf(profile, tf.getBackend());
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Kernels

export interface InputSpec {
  shape: number[];
  /** Range of the uniform values (default [-1, 1)): positive for logarithms, square roots, divisors. */
  range?: [number, number];
  /** Differentiate w.r.t. this input (default true). */
  grad?: boolean;
}

export interface KernelCase {
  /** Label in test names and reports: the op and its geometry. */
  name: string;
  /** The kernels this case runs, forward or backward; the suite checks a profile of the case holds them. */
  kernels: readonly string[];
  inputs: readonly InputSpec[];
  op: (...xs: tf.Tensor[]) => tf.Tensor;
}

const nhwc = (h: number, c: number, n = 2): number[] => [n, h, h, c];
const t4 = (t: tf.Tensor) => t as tf.Tensor4D;

export const KERNEL_CASES: readonly KernelCase[] = [
  // Convolutions: the zoo's 3x3 'same', strided stem and projection, 1x1 heads, atrous 'valid', up-convolution.
  {
    name: 'conv2d 3x3 same',
    kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    inputs: [{ shape: nhwc(8, 3) }, { shape: [3, 3, 3, 4] }],
    op: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same'),
  },
  {
    name: 'conv2d 3x3 stride 2 same',
    kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    inputs: [{ shape: nhwc(8, 2) }, { shape: [3, 3, 2, 4] }],
    op: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'same'),
  },
  {
    name: 'conv2d 1x1 stride 2',
    kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    inputs: [{ shape: nhwc(8, 4) }, { shape: [1, 1, 4, 3] }],
    op: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'same'),
  },
  {
    name: 'conv2d 3x3 valid',
    kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    inputs: [{ shape: nhwc(7, 3) }, { shape: [3, 3, 3, 2] }],
    op: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'valid'),
  },
  {
    name: 'fused conv2d 3x3 + bias (linear)',
    kernels: ['FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Sum'],
    inputs: [{ shape: nhwc(8, 3) }, { shape: [3, 3, 3, 4] }, { shape: [4] }],
    op: (x, w, b) => tf.fused.conv2d({ x: t4(x), filter: t4(w), bias: b, pad: 'same', strides: 1 }),
  },
  {
    name: 'fused conv2d 1x1 + bias (linear)',
    kernels: ['FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Sum'],
    inputs: [{ shape: nhwc(8, 4) }, { shape: [1, 1, 4, 2] }, { shape: [2] }],
    op: (x, w, b) => tf.fused.conv2d({ x: t4(x), filter: t4(w), bias: b, pad: 'valid', strides: 1 }),
  },
  {
    name: 'conv2dTranspose 2x2 stride 2 same',
    kernels: ['Conv2DBackpropInput', 'Conv2D', 'Conv2DBackpropFilter'],
    inputs: [{ shape: nhwc(4, 4) }, { shape: [2, 2, 3, 4] }],
    op: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [2, 8, 8, 3], 2, 'same'),
  },
  {
    name: 'atrous conv 3x3 rate 2 (space-to-batch, conv, batch-to-space)',
    kernels: ['SpaceToBatchND', 'BatchToSpaceND', 'Conv2D'],
    inputs: [{ shape: nhwc(8, 2) }, { shape: [3, 3, 2, 3] }],
    op: (x, w) => atrousConv2d(t4(x), t4(w), 2),
  },
  {
    name: 'spaceToBatchND 2x2 padded',
    kernels: ['SpaceToBatchND', 'BatchToSpaceND'],
    inputs: [{ shape: nhwc(6, 3) }],
    op: (x) =>
      tf.spaceToBatchND(
        x,
        [2, 2],
        [
          [2, 4],
          [2, 4],
        ],
      ),
  },
  {
    name: 'batchToSpaceND 2x2 cropped',
    kernels: ['BatchToSpaceND', 'SpaceToBatchND'],
    inputs: [{ shape: [8, 5, 5, 3] }],
    op: (x) =>
      tf.batchToSpaceND(
        x,
        [2, 2],
        [
          [0, 1],
          [0, 1],
        ],
      ),
  },
  // Pooling and resizing.
  {
    name: 'maxPool 2x2 stride 2',
    kernels: ['MaxPool', 'MaxPoolGrad'],
    inputs: [{ shape: nhwc(8, 3) }],
    op: (x) => tf.maxPool(t4(x), 2, 2, 'valid'),
  },
  {
    name: 'avgPool 4x4 stride 4 (ASPP image pooling)',
    kernels: ['AvgPool', 'AvgPoolGrad'],
    inputs: [{ shape: nhwc(4, 3) }],
    op: (x) => tf.avgPool(t4(x), 4, 4, 'valid'),
  },
  {
    name: 'avgPool 2x2 stride 2',
    kernels: ['AvgPool', 'AvgPoolGrad'],
    inputs: [{ shape: nhwc(8, 3) }],
    op: (x) => tf.avgPool(t4(x), 2, 2, 'valid'),
  },
  {
    name: 'resizeNearestNeighbor 1x1 -> 4x4',
    kernels: ['ResizeNearestNeighbor', 'ResizeNearestNeighborGrad'],
    inputs: [{ shape: nhwc(1, 5) }],
    op: (x) => tf.image.resizeNearestNeighbor(t4(x), [4, 4]),
  },
  {
    name: 'resizeNearestNeighbor 3x3 -> 6x6',
    kernels: ['ResizeNearestNeighbor', 'ResizeNearestNeighborGrad'],
    inputs: [{ shape: nhwc(3, 2) }],
    op: (x) => tf.image.resizeNearestNeighbor(t4(x), [6, 6]),
  },
  {
    name: 'resizeBilinear 4x4 -> 8x8',
    kernels: ['ResizeBilinear', 'ResizeBilinearGrad'],
    inputs: [{ shape: nhwc(4, 3) }],
    op: (x) => tf.image.resizeBilinear(t4(x), [8, 8]),
  },
  {
    name: 'resizeBilinear 4x4 -> 16x16',
    kernels: ['ResizeBilinear', 'ResizeBilinearGrad'],
    inputs: [{ shape: nhwc(4, 2) }],
    op: (x) => tf.image.resizeBilinear(t4(x), [16, 16]),
  },
  // Normalisation.
  {
    name: 'batchNorm (FusedBatchNorm) with scale and offset',
    kernels: ['FusedBatchNorm', 'Tile', 'Rsqrt', 'Sum'],
    inputs: [
      { shape: nhwc(4, 3) },
      { shape: [3] },
      { shape: [3], range: [0.5, 2] },
      { shape: [3] },
      { shape: [3], range: [0.5, 1.5] },
    ],
    op: (x, mean, variance, offset, scale) =>
      tf.batchNorm(
        x,
        mean as tf.Tensor1D,
        variance as tf.Tensor1D,
        offset as tf.Tensor1D,
        scale as tf.Tensor1D,
        1e-3,
      ),
  },
  {
    name: 'moments over N, H, W (BatchNorm batch statistics)',
    kernels: ['Mean', 'Sub', 'Square', 'Reshape'],
    inputs: [{ shape: nhwc(4, 3) }],
    op: (x) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.concat([mean, variance]);
    },
  },
  {
    name: 'tile 2x3',
    kernels: ['Tile'],
    inputs: [{ shape: [2, 3] }],
    op: (x) => tf.tile(x, [2, 3]),
  },
  // Element-wise, with the broadcasts the layers use (bias add, per-pixel gate, scalar constants).
  {
    name: 'add (broadcast over channels)',
    kernels: ['Add', 'Sum', 'Reshape'],
    inputs: [{ shape: nhwc(4, 3) }, { shape: [3] }],
    op: (a, b) => tf.add(a, b),
  },
  {
    name: 'addN of 3',
    kernels: ['AddN'],
    inputs: [{ shape: nhwc(4, 2) }, { shape: nhwc(4, 2) }, { shape: nhwc(4, 2) }],
    op: (a, b, c) => tf.addN([a, b, c]),
  },
  {
    name: 'sub (broadcast)',
    kernels: ['Sub', 'Neg', 'Sum'],
    inputs: [{ shape: nhwc(4, 3) }, { shape: [1, 4, 4, 1] }],
    op: (a, b) => tf.sub(a, b),
  },
  {
    name: 'multiply (broadcast over channels: the attention gate)',
    kernels: ['Multiply', 'Sum'],
    inputs: [{ shape: nhwc(4, 3) }, { shape: nhwc(4, 1) }],
    op: (a, b) => tf.mul(a, b),
  },
  {
    name: 'realDiv',
    kernels: ['RealDiv', 'Multiply', 'Square', 'Neg'],
    inputs: [{ shape: nhwc(4, 3) }, { shape: nhwc(4, 3), range: [0.5, 2] }],
    op: (a, b) => tf.div(a, b),
  },
  {
    name: 'maximum',
    kernels: ['Maximum'],
    inputs: [{ shape: nhwc(4, 2) }, { shape: nhwc(4, 2) }],
    op: (a, b) => tf.maximum(a, b),
  },
  { name: 'abs', kernels: ['Abs', 'Step'], inputs: [{ shape: nhwc(4, 3) }], op: (x) => tf.abs(x) },
  { name: 'neg', kernels: ['Neg'], inputs: [{ shape: nhwc(4, 3) }], op: (x) => tf.neg(x) },
  { name: 'exp', kernels: ['Exp'], inputs: [{ shape: nhwc(4, 3) }], op: (x) => tf.exp(x) },
  {
    name: 'log',
    kernels: ['Log', 'RealDiv'],
    inputs: [{ shape: nhwc(4, 3), range: [0.1, 3] }],
    op: (x) => tf.log(x),
  },
  {
    name: 'log1p',
    kernels: ['Log1p', 'Add', 'RealDiv'],
    inputs: [{ shape: nhwc(4, 3), range: [-0.5, 3] }],
    op: (x) => tf.log1p(x),
  },
  { name: 'relu', kernels: ['Relu', 'Step'], inputs: [{ shape: nhwc(4, 3) }], op: (x) => tf.relu(x) },
  {
    name: 'sigmoid',
    kernels: ['Sigmoid', 'Sub', 'Multiply'],
    inputs: [{ shape: nhwc(4, 3), range: [-4, 4] }],
    op: (x) => tf.sigmoid(x),
  },
  { name: 'square', kernels: ['Square'], inputs: [{ shape: nhwc(4, 3) }], op: (x) => tf.square(x) },
  {
    name: 'sqrt',
    kernels: ['Sqrt'],
    inputs: [{ shape: nhwc(4, 3), range: [0.1, 3] }],
    op: (x) => tf.sqrt(x),
  },
  {
    name: 'rsqrt',
    kernels: ['Rsqrt', 'Pow'],
    inputs: [{ shape: nhwc(4, 3), range: [0.1, 3] }],
    op: (x) => tf.rsqrt(x),
  },
  {
    name: 'step',
    kernels: ['Step'],
    inputs: [{ shape: nhwc(4, 3), grad: false }, { shape: nhwc(4, 3) }],
    // Step has no gradient of its own (it is ReLU's); the second input carries one through the product.
    op: (x, w) => tf.mul(tf.step(x), w),
  },
  {
    name: 'cast float32 -> int32 -> float32',
    kernels: ['Cast'],
    inputs: [{ shape: nhwc(4, 3), range: [-5, 5] }],
    op: (x) => tf.cast(tf.cast(x, 'int32'), 'float32'),
  },
  {
    name: 'identity (clone)',
    kernels: ['Identity'],
    inputs: [{ shape: nhwc(4, 3) }],
    op: (x) => tf.clone(x),
  },
  // Reductions and shapes.
  {
    name: 'sum over N, H, W',
    kernels: ['Sum'],
    inputs: [{ shape: nhwc(4, 3) }],
    op: (x) => tf.sum(x, [0, 1, 2]),
  },
  { name: 'sum of all', kernels: ['Sum'], inputs: [{ shape: nhwc(4, 3) }], op: (x) => tf.sum(x) },
  { name: 'mean of all', kernels: ['Mean'], inputs: [{ shape: nhwc(4, 3) }], op: (x) => tf.mean(x) },
  {
    name: 'max over classes',
    kernels: ['Max'],
    inputs: [{ shape: [32, 3] }],
    op: (x) => tf.max(x, 1, true),
  },
  {
    name: 'softmax over classes',
    kernels: ['Softmax', 'Multiply', 'Sum', 'Sub'],
    inputs: [{ shape: [32, 3], range: [-3, 3] }],
    op: (x) => tf.softmax(x),
  },
  {
    name: 'reshape',
    kernels: ['Reshape'],
    inputs: [{ shape: nhwc(4, 3) }],
    op: (x) => tf.reshape(x, [-1, 3]),
  },
  {
    name: 'concat on channels',
    kernels: ['Concat', 'SplitV'],
    inputs: [{ shape: nhwc(4, 2) }, { shape: nhwc(4, 3) }, { shape: nhwc(4, 1) }],
    op: (a, b, c) => tf.concat([a, b, c], 3),
  },
  {
    name: 'split on classes',
    kernels: ['SplitV', 'Concat'],
    inputs: [{ shape: [32, 3] }],
    op: (x) => {
      const [a, b, c] = tf.split(x, 3, 1);
      return tf.concat([tf.mul(a!, 2), tf.mul(b!, 3), c!], 1);
    },
  },
  {
    name: 'stack (pack) and unstack',
    kernels: ['Pack', 'Unpack'],
    inputs: [{ shape: [5] }, { shape: [5] }, { shape: [5] }],
    op: (a, b, c) => tf.stack([a, b, c]),
  },
];

/**
 * Kernels that only our CPU backends register, with what runs in their place elsewhere: a zoo kernel listed
 * here needs no GPU case, but it must not be registered for the GPU backend either (then it would need one).
 */
export const CPU_ONLY_KERNELS: Readonly<Record<string, string>> = {
  ApprenticeReluGrad:
    "the fused conv + ReLU gradient of engine/ops/fused-conv-training.ts; on other backends tfjs-core unfuses conv + ReLU while training, and ReLU's gradient is Step and Multiply",
};

export interface KernelResult {
  output: Float32Array;
  /** d sum(output * dy) / d input, for each input with grad !== false, in input order. */
  grads: Float32Array[];
  /** The kernels the forward and backward ran. */
  kernels: Set<string>;
}

/**
 * Runs a case on the active backend: the op on seeded inputs, then the gradient of its output against a
 * seeded cotangent dy (not ones: a uniform dy would hide a transposed or shifted backward).
 */
export async function runKernelCase(c: KernelCase, seed = 7): Promise<KernelResult> {
  const xs = c.inputs.map((s, i) =>
    tf.tensor(seeded(sizeOf(s.shape), seed * 100 + i, ...(s.range ?? [-1, 1])), s.shape),
  );
  const diff = c.inputs.map((s, i) => (s.grad === false ? -1 : i)).filter((i) => i >= 0);
  const withInputs = (ds: tf.Tensor[]) =>
    c.op(...xs.map((x, i) => (diff.includes(i) ? ds[diff.indexOf(i)]! : x)));
  let y: tf.Tensor | undefined;
  let dy: tf.Tensor | undefined;
  let grads: tf.Tensor[] = [];
  try {
    const profile = await tf.profile(() => {
      y = c.op(...xs);
      dy = tf.tensor(seeded(y.size, seed * 100 + 99), y.shape);
      grads = tf.grads((...ds: tf.Tensor[]) => withInputs(ds))(
        diff.map((i) => xs[i]!),
        dy,
      );
      return [];
    });
    return {
      output: (await y!.data()) as Float32Array,
      grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)),
      kernels: kernelsOf(profile, tf.getBackend()),
    };
  } finally {
    tf.dispose([...xs, ...(y ? [y] : []), ...(dy ? [dy] : []), ...grads]);
  }
}
