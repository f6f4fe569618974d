/** Batched prediction of a layers model on prepared inputs, as per-image foreground probabilities or labels. */
import * as tf from '../engine/tf.js';
import { assertFitsOnGpu, throwIfGpuFailed } from '../engine/webgpu/guard.js';

export interface ModelGeometry {
  size: number;
  inChannels: number;
  classes: number;
}

/** Input size/channels and output classes of a single-input, NHWC segmentation model. */
export function modelGeometry(model: tf.LayersModel): ModelGeometry {
  const inShape = model.inputs[0]!.shape;
  const outShape = model.outputs[model.outputs.length - 1]!.shape;
  return { size: inShape[1]!, inChannels: inShape[3]!, classes: outShape[3]! };
}

/**
 * The finest head's logits -> per image: foreground probability (1 class) or class probabilities (K).
 * Reads back asynchronously, which every backend supports (a GPU backend in Node only that way).
 */
export async function predictProbabilities(
  model: tf.LayersModel,
  inputs: readonly Float32Array[],
  batchSize = 8,
): Promise<Float32Array[]> {
  const g = modelGeometry(model);
  const work = { batchSize: Math.min(batchSize, inputs.length), imageSize: g.size, what: 'Prediction' };
  assertFitsOnGpu(model, work);
  const out: Float32Array[] = [];
  for (let i = 0; i < inputs.length; i += batchSize) {
    const chunk = inputs.slice(i, i + batchSize);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(concat(chunk), [chunk.length, g.size, g.size, g.inChannels]);
      const y = model.predict(x, { batchSize });
      const logits = Array.isArray(y) ? y[y.length - 1]! : y;
      return g.classes === 1 ? tf.sigmoid(logits) : tf.softmax(logits);
    });
    let data: Float32Array;
    try {
      data = (await probs.data()) as Float32Array;
    } finally {
      probs.dispose();
    }
    throwIfGpuFailed(work);
    const per = g.size * g.size * g.classes;
    for (let k = 0; k < chunk.length; k++) out.push(data.slice(k * per, (k + 1) * per));
  }
  return out;
}

/** Probabilities -> a label map: foreground if p > 0.5 (binary), else the argmax class. */
export function toLabels(probs: Float32Array, classes: number): Uint8Array {
  const n = probs.length / classes;
  const out = new Uint8Array(n);
  if (classes === 1) {
    for (let i = 0; i < n; i++) out[i] = probs[i]! > 0.5 ? 1 : 0;
    return out;
  }
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k]! > probs[i * classes + best]!) best = k;
    out[i] = best;
  }
  return out;
}

export function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
