/**
 * Bilinear resampling with the semantics of torch F.interpolate(mode="bilinear", align_corners=False,
 * antialias=False) (== cv2.INTER_LINEAR): half-pixel centres, source coordinates below 0 clamped to 0,
 * the upper neighbour clamped to the last row/column, no low-pass filter when shrinking. Teachers trained
 * with that resize see the same input here only if this matches it exactly; students are trained, run and
 * exported (the card names this convention) with the same one, so there is only this one.
 */

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float64Array;
}

/**
 * Per output index along one axis: the two source indices and the weight of the second. The weights
 * stay in double precision (the students' former copy rounded them to float32).
 */
function taps(inSize: number, outSize: number): Taps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const src = Math.max((d + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, inSize - 1);
    w1[d] = src - lo;
  }
  return { i0, i1, w1 };
}

export interface ResizeOptions {
  /** Interleaved samples per pixel (RGB = 3); each is resized on its own. Default 1. */
  channels?: number;
  /** Where source (0, 0) starts, and the samples from one source row to the next (default inW * channels). */
  srcOffset?: number;
  srcStride?: number;
  /** Write into this array (default: a new one), from `outOffset`, rows `outStride` samples apart. */
  out?: Float32Array;
  outOffset?: number;
  outStride?: number;
}

/**
 * Resizes an image (row-major, inH x inW pixels of `channels` interleaved samples) to outH x outW. Source
 * and destination may be windows of larger images (crop, letterbox paste without a copy): sample k of
 * source pixel (y, x) is src[srcOffset + y * srcStride + x * channels + k], and likewise for the output.
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  opts: ResizeOptions = {},
): Float32Array {
  const ch = opts.channels ?? 1;
  const srcOffset = opts.srcOffset ?? 0;
  const stride = opts.srcStride ?? inW * ch;
  const out = opts.out ?? new Float32Array(outH * outW * ch);
  const outOffset = opts.outOffset ?? 0;
  const outStride = opts.outStride ?? outW * ch;
  if (inH <= 0 || inW <= 0 || outH <= 0 || outW <= 0 || ch <= 0)
    throw new RangeError('resizeBilinear: empty plane');
  if (inH === outH && inW === outW) {
    // Same size: every tap has weight 0 on its neighbour, so this is an exact copy.
    const row = outW * ch;
    for (let y = 0; y < outH; y++)
      for (let x = 0, i = srcOffset + y * stride, o = outOffset + y * outStride; x < row; x++)
        out[o + x] = src[i + x]!;
    return out;
  }
  const ty = taps(inH, outH);
  const tx = taps(inW, outW);
  for (let y = 0; y < outH; y++) {
    const r0 = srcOffset + ty.i0[y]! * stride;
    const r1 = srcOffset + ty.i1[y]! * stride;
    const wy = ty.w1[y]!;
    const o = outOffset + y * outStride;
    for (let x = 0; x < outW; x++) {
      const x0 = tx.i0[x]! * ch;
      const x1 = tx.i1[x]! * ch;
      const wx = tx.w1[x]!;
      for (let k = 0; k < ch; k++) {
        const top = src[r0 + x0 + k]! * (1 - wx) + src[r0 + x1 + k]! * wx;
        const bottom = src[r1 + x0 + k]! * (1 - wx) + src[r1 + x1 + k]! * wx;
        out[o + x * ch + k] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}
