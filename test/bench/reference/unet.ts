/**
 * The plain U-Net of ../shared/bench/torch_unet.py, layer for layer: per level two 3x3 'same' convs with
 * bias + ReLU; 2x2 max-pool down; 2x2 stride-2 transposed conv up; concat (upsampled first, skip second);
 * 1x1 conv head with `outChannels` logits. NHWC input [size, size, inChannels].
 *
 * Not what users train: the app's students come from the zoo (electron/engine/zoo). This twin of the
 * PyTorch script lives with the benchmark so that the "reference" row compares the engine with PyTorch on
 * the same network; the benchmark's "product" row measures the zoo U-Net with the trainer's loss and
 * optimizer. Engine tests use it as a small, fixed conv/pool/transpose/concat graph.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import * as tf from '../../../electron/engine/tf.js';

export interface UNetOptions {
  /** Filters per level, e.g. [8, 16, 32]; the last is the bottleneck. */
  filters: number[];
  /** Input height = width; must be divisible by 2^(levels-1). */
  size: number;
  inChannels?: number;
  outChannels?: number;
  name?: string;
}

export function buildUNet(opts: UNetOptions): tf.LayersModel {
  const { filters, size } = opts;
  const inChannels = opts.inChannels ?? 1,
    outChannels = opts.outChannels ?? 1;
  if (filters.length < 2 || filters.some((f) => !Number.isInteger(f) || f < 1))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      'A U-Net needs at least two levels of positive integer filters',
      { filters },
    );
  const down = 2 ** (filters.length - 1);
  if (!Number.isInteger(size) || size < down || size % down !== 0)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Input size must be a multiple of ${down} for ${filters.length} levels`,
      { size },
    );

  const conv = (f: number, name: string) =>
    tf.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', useBias: true, name });
  const block = (x: tf.SymbolicTensor, f: number, name: string) =>
    conv(f, `${name}_conv2`).apply(conv(f, `${name}_conv1`).apply(x)) as tf.SymbolicTensor;

  const input = tf.input({ shape: [size, size, inChannels], name: 'image' });
  let x = input;
  const skips: tf.SymbolicTensor[] = [];
  filters.slice(0, -1).forEach((f, i) => {
    x = block(x, f, `enc${i}`);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i}` }).apply(x) as tf.SymbolicTensor;
  });
  x = block(x, filters[filters.length - 1]!, 'mid');
  filters
    .slice(0, -1)
    .reverse()
    .forEach((f, i) => {
      const up = tf.layers
        .conv2dTranspose({
          filters: f,
          kernelSize: 2,
          strides: 2,
          padding: 'same',
          useBias: true,
          name: `up${i}`,
        })
        .apply(x) as tf.SymbolicTensor;
      const cat = tf.layers
        .concatenate({ axis: -1, name: `cat${i}` })
        .apply([up, skips.pop()!]) as tf.SymbolicTensor;
      x = block(cat, f, `dec${i}`);
    });
  const logits = tf.layers
    .conv2d({ filters: outChannels, kernelSize: 1, useBias: true, name: 'head' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: opts.name ?? `unet_${filters.join('-')}` });
}
