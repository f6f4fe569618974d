/**
 * One optimizer step of a student, exactly as the trainer takes it: the model applied in training mode,
 * the students' loss (Dice + BCE by default), one fused-Adam update of the trainable weights, the loss
 * read back. `npm run bench:engine`'s product row times this same function.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import * as tf from '../../engine/tf.js';
import { throwIfGpuFailed } from '../../engine/webgpu/guard.js';
import type { Prepared } from '../samples/sample.js';
import type { ModelGeometry } from '../predict.js';
import { concat } from '../predict.js';
import { modelLoss, type LossWeights } from '../loss.js';

/**
 * Takes one step on a batch and resolves to its loss (the tensors stay the caller's). Asynchronous because
 * a GPU backend can only read values back asynchronously in Node (tfjs-backend-webgpu's dataSync needs an
 * OffscreenCanvas).
 */
export type StudentStep = (x: tf.Tensor, y: tf.Tensor) => Promise<number>;

/** The step over the model's trainable weights as they are now (freeze layers before calling this). */
export function studentStep(model: tf.LayersModel, optimizer: tf.Optimizer, loss: LossWeights): StudentStep {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return async (x, y) => {
    const value = tf.tidy(() =>
      optimizer.minimize(
        () => modelLoss(y, model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[], loss),
        true,
        vars,
      )!,
    );
    let read: number;
    try {
      read = (await value.data())[0]!;
    } finally {
      value.dispose();
    }
    throwIfGpuFailed({ batchSize: x.shape[0]!, imageSize: x.shape[1]!, what: 'Training' });
    return read;
  };
}

/** A prepared sample that does not fit the model's grid is refused, naming it. */
export function assertFits(s: Prepared, g: ModelGeometry): void {
  if (s.x.length !== g.size * g.size * g.inChannels || s.y.length !== g.size * g.size * g.classes)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Sample ${s.id} does not fit the model's ${g.size}x${g.size}x${g.inChannels} input`,
      { id: s.id },
    );
}

/** A batch of prepared (or augmented) pairs as NHWC input and target tensors. */
export function batchTensors(
  pairs: readonly { x: Float32Array; y: Float32Array }[],
  g: ModelGeometry,
): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return {
    x: tf.tensor4d(concat(pairs.map((p) => p.x)), [pairs.length, g.size, g.size, g.inChannels]),
    y: tf.tensor4d(concat(pairs.map((p) => p.y)), [pairs.length, g.size, g.size, g.classes]),
  };
}
