/**
 * Segmentation losses on logits. Binary: BCE (from logits; with probabilistic targets this is the
 * soft-label BCE for teacher probability maps) + soft Dice (batch-global, smooth 1). Multi-class:
 * softmax cross-entropy + mean soft Dice over the foreground classes. Deep supervision: the mean over heads.
 */
import { bceWithLogits } from '../engine/training/losses.js';
import * as tf from '../engine/tf.js';

export interface LossWeights {
  bce: number;
  dice: number;
}

function softDice(targets: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  const inter = tf.sum(tf.mul(targets, probs));
  const denom = tf.add(tf.sum(targets), tf.sum(probs));
  return tf.sub(1, tf.div(tf.add(tf.mul(2, inter), 1), tf.add(denom, 1))) as tf.Scalar;
}

export function segmentationLoss(targets: tf.Tensor, logits: tf.Tensor, w: LossWeights): tf.Scalar {
  const classes = logits.shape[logits.rank - 1]!;
  if (classes === 1) {
    const bce = bceWithLogits(targets, logits);
    const dice = softDice(targets, tf.sigmoid(logits));
    return tf.add(tf.mul(w.bce, bce), tf.mul(w.dice, dice)) as tf.Scalar;
  }
  const flatT = tf.reshape(targets, [-1, classes]),
    flatL = tf.reshape(logits, [-1, classes]);
  const ce = tf.losses.softmaxCrossEntropy(flatT, flatL, undefined, 0, tf.Reduction.MEAN) as tf.Scalar;
  const probs = tf.softmax(flatL);
  const perClass = tf.split(probs, classes, 1).slice(1);
  const tPer = tf.split(flatT, classes, 1).slice(1);
  const dice = tf.mean(tf.stack(perClass.map((p, i) => softDice(tPer[i]!, p))));
  return tf.add(tf.mul(w.bce, ce), tf.mul(w.dice, dice)) as tf.Scalar;
}

/** The loss of a model's output(s): deep-supervision heads are averaged. */
export function modelLoss(targets: tf.Tensor, outputs: tf.Tensor | tf.Tensor[], w: LossWeights): tf.Scalar {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const losses = outs.map((o) => segmentationLoss(targets, o, w));
  return (losses.length === 1 ? losses[0]! : tf.div(tf.addN(losses), losses.length)) as tf.Scalar;
}
