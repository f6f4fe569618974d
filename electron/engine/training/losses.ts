/** Losses on logits, matching PyTorch's definitions (BCEWithLogitsLoss with mean reduction). */
import * as tf from '../tf.js';

/** Mean binary cross-entropy of `logits` against 0/1 `targets`, computed stably from logits. */
export function bceWithLogits(targets: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.losses.sigmoidCrossEntropy(targets, logits, undefined, 0, tf.Reduction.MEAN) as tf.Scalar;
}
