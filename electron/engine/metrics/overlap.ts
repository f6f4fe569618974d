/**
 * Overlap metrics of a binary prediction against binary ground truth (any non-zero value = foreground).
 * Empty-mask convention, one rule for all four: when a metric's denominator is 0, it is 1 if both masks
 * are empty (nothing to find, nothing found) and 0 otherwise. So an empty ground truth scores Dice 1
 * only for an empty prediction, as in the teacher cards (../shared/teachers/README.md).
 */
export interface OverlapCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface OverlapMetrics {
  dice: number;
  iou: number;
  precision: number;
  recall: number;
}

export function overlapCounts(pred: ArrayLike<number>, truth: ArrayLike<number>): OverlapCounts {
  if (pred.length !== truth.length)
    throw new Error(`Mask sizes differ: ${pred.length} vs ${truth.length} pixels`);
  let tp = 0,
    fp = 0,
    fn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0,
      t = truth[i] !== 0;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  return { tp, fp, fn, tn: pred.length - tp - fp - fn };
}

function ratio(num: number, den: number, bothEmpty: boolean): number {
  return den === 0 ? (bothEmpty ? 1 : 0) : num / den;
}

/** Hard mask (0/1) from a probability map: p > threshold (0.5 itself is background). */
export function threshold(prob: ArrayLike<number>, t = 0.5): Uint8Array {
  const out = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) out[i] = prob[i]! > t ? 1 : 0;
  return out;
}

export function overlapMetrics(c: OverlapCounts): OverlapMetrics {
  const bothEmpty = c.tp + c.fp + c.fn === 0;
  return {
    dice: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, bothEmpty),
    iou: ratio(c.tp, c.tp + c.fp + c.fn, bothEmpty),
    precision: ratio(c.tp, c.tp + c.fp, bothEmpty),
    recall: ratio(c.tp, c.tp + c.fn, bothEmpty),
  };
}

export function dice(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  return overlapMetrics(overlapCounts(pred, truth)).dice;
}

export function iou(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  return overlapMetrics(overlapCounts(pred, truth)).iou;
}
