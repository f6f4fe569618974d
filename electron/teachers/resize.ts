/**
 * Bilinear resampling with the semantics of torch F.interpolate(mode="bilinear", align_corners=False,
 * antialias=False) (== cv2.INTER_LINEAR): half-pixel centres, source coordinates below 0 clamped to 0,
 * the upper neighbour clamped to the last row/column, no low-pass filter when shrinking. Teachers trained
 * with that resize see the same input here only if this matches it exactly.
 */

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float64Array;
}

/** Per output index along one axis: the two source indices and the weight of the second. */
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

/**
 * Resizes one plane (row-major, inH x inW) to outH x outW. Source and destination may be windows of larger
 * planes (crop, letterbox paste without a copy): source (y, x) is src[srcOffset + y * srcStride + x],
 * destination (y, x) is out[outOffset + y * outStride + x].
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  opts: {
    srcOffset?: number;
    srcStride?: number;
    out?: Float32Array;
    outOffset?: number;
    outStride?: number;
  } = {},
): Float32Array {
  const srcOffset = opts.srcOffset ?? 0;
  const stride = opts.srcStride ?? inW;
  const out = opts.out ?? new Float32Array(outH * outW);
  const outOffset = opts.outOffset ?? 0;
  const outStride = opts.outStride ?? outW;
  if (inH <= 0 || inW <= 0 || outH <= 0 || outW <= 0) throw new RangeError('resizeBilinear: empty plane');
  if (inH === outH && inW === outW) {
    // Same size: every tap has weight 0 on its neighbour, so this is an exact copy.
    for (let y = 0; y < outH; y++)
      for (let x = 0, i = srcOffset + y * stride, o = outOffset + y * outStride; x < outW; x++)
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
      const x0 = tx.i0[x]!;
      const x1 = tx.i1[x]!;
      const wx = tx.w1[x]!;
      const top = src[r0 + x0]! * (1 - wx) + src[r0 + x1]! * wx;
      const bottom = src[r1 + x0]! * (1 - wx) + src[r1 + x1]! * wx;
      out[o + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}
