import type { FrameParams } from './codestream.js';

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of up to 15 segment offsets, each segment a
 * PackBits stream of one byte plane (most significant byte first, per sample). Output is a native frame:
 * little-endian samples, interleaved. Loops are bounded by the input and output sizes.
 */
export function decodeRle(data: Uint8Array, p: FrameParams): Uint8Array {
  if (data.length < 64) throw new Error('RLE frame shorter than its header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = p.bitsAllocated === 1 ? 1 : p.bitsAllocated / 8;
  const expectedSegments = p.samplesPerPixel * bytesPerSample;
  if (segments !== expectedSegments) {
    throw new Error(`RLE frame has ${segments} segments, ${expectedSegments} expected`);
  }
  // 1-bit data is RLE-coded as packed bytes: one plane of ceil(rows*cols/8) bytes.
  const planeLen = p.bitsAllocated === 1 ? Math.ceil((p.rows * p.cols) / 8) : p.rows * p.cols;
  const out = new Uint8Array(p.bitsAllocated === 1 ? planeLen : planeLen * expectedSegments);
  const plane = new Uint8Array(planeLen);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : data.length;
    if (start < 64 || start > data.length || end > data.length || end < start) {
      throw new Error(`RLE segment ${s + 1} offsets are out of range`);
    }
    const filled = unpackBits(data, start, end, plane);
    // pydicom refuses a short segment too; filling the rest with zeros would pass a cut frame as valid.
    if (filled < planeLen) {
      throw new Error(
        `RLE segment ${s + 1} decodes to ${filled} of ${planeLen} bytes: the frame is truncated`,
      );
    }
    if (p.bitsAllocated === 1) {
      out.set(plane);
      continue;
    }
    // Segment order: sample 0 MSB..LSB, sample 1 MSB..LSB, ...; write little-endian interleaved.
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = p.samplesPerPixel * bytesPerSample;
    let o = sample * bytesPerSample + byteInSample;
    for (let i = 0; i < planeLen; i++, o += stride) out[o] = plane[i]!;
  }
  return out;
}

/** PackBits-decodes src[start, end) into dst; returns how many bytes of dst it filled. */
function unpackBits(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  let i = start;
  let o = 0;
  const n = dst.length;
  while (i < end && o < n) {
    const h = src[i++]!;
    if (h < 128) {
      const count = Math.min(h + 1, n - o, end - i);
      dst.set(src.subarray(i, i + count), o);
      i += h + 1;
      o += count;
    } else if (h > 128) {
      const count = Math.min(257 - h, n - o);
      if (i >= end) break;
      dst.fill(src[i++]!, o, o + count);
      o += count;
    }
    // 128 is a no-op.
  }
  return o;
}
