/**
 * Small layer helpers shared by the zoo: named, seeded convolutions with optional BatchNorm, so every
 * architecture reads as its diagram and every weight is reproducible from the config's seed. Only layer
 * types the exporters know are used (Conv2D, Conv2DTranspose, AtrousConv2D, BatchNormalization,
 * Activation, MaxPooling2D, AveragePooling2D, UpSampling2D, Concatenate, Add, Multiply).
 */
import * as tf from '../tf.js';
import { AtrousConv2D } from './atrous-conv.js';

export type T = tf.SymbolicTensor;

export class Builder {
  private n = 0;
  constructor(
    private readonly seed: number,
    readonly batchNorm: boolean,
  ) {}

  private init(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.heNormal({ seed: this.seed + this.n++ });
  }

  /** k x k 'same' convolution (+ BatchNorm) + ReLU. */
  conv(
    x: T,
    filters: number,
    name: string,
    opts: { k?: number; strides?: number; relu?: boolean; rate?: number } = {},
  ): T {
    const k = opts.k ?? 3;
    const relu = opts.relu ?? true;
    const rate = opts.rate ?? 1;
    const bn = this.batchNorm;
    const act = relu && !bn ? 'relu' : 'linear';
    let y: T;
    if (rate > 1) {
      y = new AtrousConv2D({
        filters,
        kernelSize: k,
        rate,
        activation: act,
        useBias: !bn,
        seed: this.seed + this.n++,
        name,
      }).apply(x) as T;
    } else {
      y = tf.layers
        .conv2d({
          filters,
          kernelSize: k,
          strides: opts.strides ?? 1,
          padding: 'same',
          activation: act,
          useBias: !bn,
          kernelInitializer: this.init(),
          name,
        })
        .apply(x) as T;
    }
    if (!bn) return y;
    y = tf.layers.batchNormalization({ axis: -1, name: `${name}_bn` }).apply(y) as T;
    return relu ? this.act(y, 'relu', `${name}_relu`) : y;
  }

  /** Two 3x3 convolutions: the U-Net block. */
  block(x: T, filters: number, name: string): T {
    return this.conv(this.conv(x, filters, `${name}_conv1`), filters, `${name}_conv2`);
  }

  /** Residual block: conv-conv plus a (projected, when shapes differ) shortcut, then ReLU. */
  residual(x: T, filters: number, name: string, opts: { strides?: number; rate?: number } = {}): T {
    const strides = opts.strides ?? 1;
    const inC = x.shape[3];
    const y = this.conv(
      this.conv(x, filters, `${name}_conv1`, { strides, rate: opts.rate ?? 1 }),
      filters,
      `${name}_conv2`,
      {
        relu: false,
        rate: opts.rate ?? 1,
      },
    );
    const short =
      inC === filters && strides === 1
        ? x
        : this.conv(x, filters, `${name}_proj`, { k: 1, strides, relu: false });
    return this.act(this.add([y, short], `${name}_add`), 'relu', `${name}_out`);
  }

  /** 2x2 stride-2 transposed convolution (learned 2x up-sampling). */
  up(x: T, filters: number, name: string): T {
    return tf.layers
      .conv2dTranspose({
        filters,
        kernelSize: 2,
        strides: 2,
        padding: 'same',
        kernelInitializer: this.init(),
        name,
      })
      .apply(x) as T;
  }

  pool(x: T, name: string): T {
    return tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name }).apply(x) as T;
  }

  /** 1x1 convolution to `classes` logits. */
  head(x: T, classes: number, name: string): T {
    return tf.layers
      .conv2d({
        filters: classes,
        kernelSize: 1,
        kernelInitializer: tf.initializers.glorotUniform({ seed: this.seed + this.n++ }),
        name,
      })
      .apply(x) as T;
  }

  act(x: T, activation: 'relu' | 'sigmoid', name: string): T {
    return tf.layers.activation({ activation, name }).apply(x) as T;
  }

  cat(xs: T[], name: string): T {
    return tf.layers.concatenate({ axis: -1, name }).apply(xs) as T;
  }

  add(xs: T[], name: string): T {
    return tf.layers.add({ name }).apply(xs) as T;
  }

  mul(xs: T[], name: string): T {
    return tf.layers.multiply({ name }).apply(xs) as T;
  }

  upsample(x: T, factor: number | [number, number], interpolation: 'nearest' | 'bilinear', name: string): T {
    const size = typeof factor === 'number' ? [factor, factor] : factor;
    return tf.layers.upSampling2d({ size, interpolation, name }).apply(x) as T;
  }
}
