/**
 * One optimizer step of a layers model on one batch: forward, loss, backward, update, with every
 * intermediate tensor released. The benchmark's reference row steps with it, as
 * ../shared/bench/torch_unet.py steps (Adam, plain BCE). The product's trainer does not call it: it steps
 * with studentStep (electron/students/training/step.ts: Dice + BCE), which the "product" row calls.
 */
import * as tf from '../../../electron/engine/tf.js';

export type LossFn = (targets: tf.Tensor, outputs: tf.Tensor) => tf.Scalar;

export interface TrainStep {
  /** Runs one step; returns the loss before the update. */
  (x: tf.Tensor, y: tf.Tensor): number;
}

export function makeTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, loss: LossFn): TrainStep {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return (x, y) => {
    const cost = tf.tidy(() => {
      const c = optimizer.minimize(
        () => loss(y, model.apply(x, { training: true }) as tf.Tensor),
        true,
        vars,
      );
      if (!c) throw new Error('optimizer.minimize returned no loss');
      return c;
    });
    const value = cost.dataSync()[0] ?? Number.NaN;
    cost.dispose();
    return value;
  };
}
