/**
 * Overlap metrics with the project's convention: a pixel is foreground when its label is non-zero (or its
 * probability is above the threshold); an image whose ground truth is empty scores 1 when the prediction
 * is empty too, else 0. Means are over images.
 */

/** Hard mask (0/1) from a probability map: p > threshold. */
export function threshold(prob: ArrayLike<number>, t = 0.5): Uint8Array {
  const out = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) out[i] = prob[i]! > t ? 1 : 0;
  return out;
}

function counts(pred: ArrayLike<number>, gt: ArrayLike<number>): { inter: number; p: number; g: number } {
  if (pred.length !== gt.length) throw new RangeError(`masks differ in size: ${pred.length} vs ${gt.length}`);
  let inter = 0;
  let p = 0;
  let g = 0;
  for (let i = 0; i < pred.length; i++) {
    const a = pred[i] !== 0;
    const b = gt[i] !== 0;
    if (a) p++;
    if (b) g++;
    if (a && b) inter++;
  }
  return { inter, p, g };
}

export function dice(pred: ArrayLike<number>, gt: ArrayLike<number>): number {
  const { inter, p, g } = counts(pred, gt);
  if (g === 0) return p === 0 ? 1 : 0;
  return (2 * inter) / (p + g);
}

export function iou(pred: ArrayLike<number>, gt: ArrayLike<number>): number {
  const { inter, p, g } = counts(pred, gt);
  if (g === 0) return p === 0 ? 1 : 0;
  return inter / (p + g - inter);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length;
}
