/**
 * Pixel preprocessing shared by training, prediction and the exported card: scaling to [0, 1], channel
 * conversion, and bilinear resizing with half-pixel centres and no antialiasing (the convention of
 * torch F.interpolate(align_corners=False) and cv2.INTER_LINEAR, which the card names).
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

/** Bilinear resize of an interleaved rows x cols x ch image, half-pixel centres, edge clamped. */
export function resizeBilinear(
  x: Float32Array,
  rows: number,
  cols: number,
  ch: number,
  outRows: number,
  outCols: number,
): Float32Array {
  if (rows === outRows && cols === outCols) return Float32Array.from(x);
  const out = new Float32Array(outRows * outCols * ch);
  const sy = rows / outRows,
    sx = cols / outCols;
  const x0s = new Int32Array(outCols),
    x1s = new Int32Array(outCols),
    fxs = new Float32Array(outCols);
  for (let c = 0; c < outCols; c++) {
    const fx = Math.max(0, (c + 0.5) * sx - 0.5);
    const x0 = Math.min(cols - 1, Math.floor(fx));
    x0s[c] = x0;
    x1s[c] = Math.min(cols - 1, x0 + 1);
    fxs[c] = fx - x0;
  }
  for (let r = 0; r < outRows; r++) {
    const fy = Math.max(0, (r + 0.5) * sy - 0.5);
    const y0 = Math.min(rows - 1, Math.floor(fy)),
      y1 = Math.min(rows - 1, y0 + 1),
      wy = fy - y0;
    for (let c = 0; c < outCols; c++) {
      const a = x0s[c]!,
        b = x1s[c]!,
        wx = fxs[c]!;
      for (let k = 0; k < ch; k++) {
        const top = x[(y0 * cols + a) * ch + k]! * (1 - wx) + x[(y0 * cols + b) * ch + k]! * wx;
        const bot = x[(y1 * cols + a) * ch + k]! * (1 - wx) + x[(y1 * cols + b) * ch + k]! * wx;
        out[(r * outCols + c) * ch + k] = top * (1 - wy) + bot * wy;
      }
    }
  }
  return out;
}
