/**
 * Helpers of the numerics suite: run the same computation on the stock 'cpu' backend and on one of
 * ours, from the same input values, and compare by relative L2 error. Any NaN or Infinity fails the
 * comparison, so a kernel that returns garbage can never pass by making the error NaN.
 */
import * as tf from '../../../electron/engine/tf.js';

/** Deterministic pseudo-random values in [-1, 1) (xorshift), so failures reproduce. */
export function randomValues(n: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

export interface Input {
  shape: number[];
  values: Float32Array;
}

export function input(shape: number[], seed: number): Input {
  return {
    shape,
    values: randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  };
}

/** ||a - b|| / ||b||; Infinity when either holds a non-finite value or the lengths differ. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
    num += (x - y) ** 2;
    den += y * y;
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

/** Runs fn on `backend` with fresh tensors made from `inputs`; returns every output's values and shape. */
export async function runOn(
  backend: string,
  inputs: Input[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; values: Float32Array }[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(Float32Array.from(i.values), i.shape, 'float32'));
    const out = fn(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => ({
      shape: [...t.shape],
      values: Float32Array.from(t.dataSync() as Float32Array),
    }));
  });
}

/** The largest relative L2 error over all outputs of fn, ours vs stock; shapes must match exactly. */
export async function compareWithStock(
  backend: string,
  inputs: Input[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<number> {
  const stock = await runOn('cpu', inputs, fn);
  const ours = await runOn(backend, inputs, fn);
  let worst = 0;
  stock.forEach((s, i) => {
    const o = ours[i];
    if (!o || o.shape.join() !== s.shape.join()) worst = Infinity;
    else worst = Math.max(worst, relL2(o.values, s.values));
  });
  return worst;
}
