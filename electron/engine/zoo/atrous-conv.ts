/**
 * A dilated ('atrous') 3x3 convolution that can be trained in tfjs. tfjs-core refuses gradients of
 * conv2d with dilations > 1, so this layer computes the same thing the way TensorFlow does internally:
 * space-to-batch by the rate, a plain 'valid' convolution, batch-to-space back, then bias and activation.
 * Weights have the shapes of a Conv2D layer ([k, k, in, out] kernel, [out] bias), so exporters treat it
 * as a Conv2D with `dilations = rate`.
 */
import * as tf from '../tf.js';

export interface AtrousConvArgs {
  filters: number;
  kernelSize?: number;
  rate: number;
  activation?: 'relu' | 'linear';
  useBias?: boolean;
  seed?: number;
  name?: string;
}

/** 'same'-padded dilated convolution of NHWC `x` with a [k, k, in, out] kernel, differentiable. */
export function atrousConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number): tf.Tensor4D {
  const k = kernel.shape[0];
  if (rate === 1) return tf.conv2d(x, kernel, 1, 'same');
  const pad = (rate * (k - 1)) / 2;
  const [, h, w] = x.shape;
  const extraH = (rate - ((h + 2 * pad) % rate)) % rate;
  const extraW = (rate - ((w + 2 * pad) % rate)) % rate;
  const s2b = tf.spaceToBatchND(
    x,
    [rate, rate],
    [
      [pad, pad + extraH],
      [pad, pad + extraW],
    ],
  ) as tf.Tensor4D;
  const y = tf.conv2d(s2b, kernel, 1, 'valid');
  return tf.batchToSpaceND(
    y,
    [rate, rate],
    [
      [0, extraH],
      [0, extraW],
    ],
  ) as tf.Tensor4D;
}

export class AtrousConv2D extends tf.layers.Layer {
  static readonly className = 'ApprenticeAtrousConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly rate: number;
  readonly activation: 'relu' | 'linear';
  readonly useBias: boolean;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: AtrousConvArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize ?? 3;
    this.rate = args.rate;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
    if (this.kernelSize % 2 !== 1 || !Number.isInteger(this.rate) || this.rate < 1)
      throw new Error(`AtrousConv2D needs an odd kernel and a positive integer rate`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inC = shape[3]!;
    const k = this.kernelSize;
    this.kernel = this.addWeight(
      'kernel',
      [k, k, inC, this.filters],
      'float32',
      tf.initializers.heNormal(this.seed === undefined ? {} : { seed: this.seed }),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0]!, s[1]!, s[2]!, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = atrousConv2d(x, this.kernel!.read() as tf.Tensor4D, this.rate);
      if (this.bias) y = tf.add(y, this.bias.read());
      return this.activation === 'relu' ? tf.relu(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      rate: this.rate,
      activation: this.activation,
      useBias: this.useBias,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(AtrousConv2D);
