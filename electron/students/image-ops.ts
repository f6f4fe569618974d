/**
 * Pixel preprocessing shared by training, prediction and the exported card: scaling to [0, 1] and channel
 * conversion. Resizing is engine/image/resize.ts (torch bilinear, align_corners=False, as the card names).
 */
import type { PixelArray } from '../io/types.js';

/**
 * Scales samples to [0, 1]: 8-bit data by /255 (the card's `scale`), anything else by its own min..max
 * (DICOM/NIfTI have no fixed range). Returns the scaled copy.
 */
export function toUnit(pixels: PixelArray): Float32Array {
  const out = new Float32Array(pixels.length);
  if (pixels instanceof Uint8Array) {
    for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 255;
    return out;
  }
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i]! - lo) / span;
  return out;
}

/** Interleaved `from`-channel pixels to `to` channels: RGB -> grey by ITU-R 601-2 luma, grey -> RGB by copy. */
export function convertChannels(x: Float32Array, n: number, from: number, to: number): Float32Array {
  if (from === to) return x;
  const out = new Float32Array(n * to);
  if (from === 3 && to === 1) {
    for (let i = 0; i < n; i++) out[i] = 0.299 * x[3 * i]! + 0.587 * x[3 * i + 1]! + 0.114 * x[3 * i + 2]!;
  } else if (from === 1 && to === 3) {
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = x[i]!;
  } else {
    throw new Error(`Cannot convert ${from} channels to ${to}`);
  }
  return out;
}
