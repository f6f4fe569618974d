/**
 * Validation after an epoch: mean per-image Dice/IoU of thresholded predictions against the (thresholded)
 * targets on the model grid. The validation set is read one batch at a time, so it streams like training.
 */
import type * as tf from '../../engine/tf.js';
import { overlapCounts, overlapMetrics } from '../../engine/metrics/overlap.js';
import type { Prepared } from '../dataset.js';
import { modelGeometry, predictProbabilities, toLabels } from '../predict.js';
import { asPreparedSet, type PreparedSet } from '../samples/prepared-set.js';

export async function validationScores(
  model: tf.LayersModel,
  val: readonly Prepared[] | PreparedSet,
  batchSize: number,
): Promise<{ dice: number; iou: number } | null> {
  const set = asPreparedSet(val);
  if (set.length === 0) return null;
  const { classes } = modelGeometry(model);
  const positions = (from: number) =>
    [...Array(Math.min(batchSize, set.length - from)).keys()].map((k) => from + k);
  let dice = 0,
    iou = 0;
  for (let from = 0; from < set.length; from += batchSize) {
    const chunk = await set.get(positions(from));
    if (from + batchSize < set.length) set.prefetch(positions(from + batchSize));
    const probs = await predictProbabilities(
      model,
      chunk.map((v) => v.x),
      batchSize,
    );
    probs.forEach((p, i) => {
      const m = overlapMetrics(overlapCounts(toLabels(p, classes), toLabels(chunk[i]!.y, classes)));
      dice += m.dice;
      iou += m.iou;
    });
  }
  return { dice: dice / set.length, iou: iou / set.length };
}
