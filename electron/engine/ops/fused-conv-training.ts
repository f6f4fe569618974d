/**
 * Keeps Conv2D + bias + ReLU fused while training. tfjs-layers calls tf.fused.conv2d, and tfjs-core
 * unfuses it whenever gradients are recorded and the activation is not linear (conv, then Add, then
 * Relu: two extra passes over every activation map and two extra tensors held for the backward pass).
 * On our cpu backends this replacement keeps the fused kernel and supplies the gradient tfjs' own fused
 * op would use: dyAct = dy * step(y); dx, dW from the conv gradients of dyAct; db = sum(dyAct).
 * Other backends, activations, layouts and dilated convolutions go to the original op unchanged.
 */
import * as tf from '../tf.js';

export const RELU_GRAD = 'ApprenticeReluGrad';

type FusedConvArgs = Parameters<typeof tf.fused.conv2d>[0];

function reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (tf.getKernel(RELU_GRAD, tf.getBackend()))
    return tf.engine().runKernel(RELU_GRAD, { dy, y }, {}) as tf.Tensor;
  return tf.mul(dy, tf.step(y));
}

function isOne(v: number | [number, number] | undefined): boolean {
  return v === undefined || (Array.isArray(v) ? v[0] === 1 && v[1] === 1 : v === 1);
}

let installed = false;

/** Installs the training-time fusion for the given tfjs backends (idempotent). */
export function installFusedConvTraining(backends: readonly string[]): void {
  if (installed) return;
  installed = true;
  const fused = tf.fused as { conv2d: typeof tf.fused.conv2d };
  const original = fused.conv2d;
  const replacement = (args: FusedConvArgs): tf.Tensor4D => {
    const { x, filter, bias, strides, pad, dimRoundingMode } = args;
    const activation = args.activation ?? 'linear';
    const eligible =
      tf.engine().state.gradientDepth > 0 &&
      activation === 'relu' &&
      backends.includes(tf.getBackend()) &&
      (args.dataFormat ?? 'NHWC') === 'NHWC' &&
      isOne(args.dilations) &&
      x instanceof tf.Tensor &&
      x.rank === 4 &&
      filter instanceof tf.Tensor &&
      bias instanceof tf.Tensor &&
      bias.rank === 1 &&
      bias.shape[0] === filter.shape[3];
    if (!eligible) return original(args) as tf.Tensor4D;
    const attrs = {
      strides,
      pad,
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode,
      activation: 'relu',
    };
    const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, wi, bi] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
      const save = inputs[3] as tf.GradSaveFunc;
      const y = tf
        .engine()
        .runKernel(tf.FusedConv2D, { x: xi, filter: wi, bias: bi }, attrs as never) as tf.Tensor4D;
      save([xi, wi, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
          const dyAct = reluGrad(dy, ys) as tf.Tensor4D;
          const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode };
          return [
            tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dyAct, filter: ws }, {
              ...common,
              inputShape: xs.shape,
            } as never) as tf.Tensor,
            tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: dyAct }, {
              ...common,
              filterShape: ws.shape,
            } as never) as tf.Tensor,
            tf.sum(dyAct, [0, 1, 2]),
          ];
        },
      };
    });
    return op(x, filter, bias) as tf.Tensor4D;
  };
  fused.conv2d = replacement as typeof tf.fused.conv2d;
}
