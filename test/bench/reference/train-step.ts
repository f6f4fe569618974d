/**
 * One optimizer step of a layers model on one batch: forward, loss, backward, update, with every
 * intermediate tensor released. The benchmark's reference row steps with it, as
 * ../shared/bench/torch_unet.py steps (Adam, plain BCE). The product's trainer does not call it: it steps
 * with studentStep (electron/students/training/step.ts: Dice + BCE), which the "product" row calls.
 */
import * as tf from '../../../electron/engine/tf.js';

export type LossFn = (targets: tf.Tensor, outputs: tf.Tensor) => tf.Scalar;

export interface TrainStep {
  /** Runs one step; resolves to the loss before the update (read back asynchronously: GPU backends). */
  (x: tf.Tensor, y: tf.Tensor): Promise<number>;
}

export function makeTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, loss: LossFn): TrainStep {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return async (x, y) => {
    const cost = tf.tidy(() => {
      const c = optimizer.minimize(
        () => loss(y, model.apply(x, { training: true }) as tf.Tensor),
        true,
        vars,
      );
      if (!c) throw new Error('optimizer.minimize returned no loss');
      return c;
    });
    try {
      return (await cost.data())[0] ?? Number.NaN;
    } finally {
      cost.dispose();
    }
  };
}
