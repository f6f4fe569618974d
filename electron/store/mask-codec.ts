import { deflateSync, inflateSync } from 'node:zlib';
import { AppError, ErrorCode } from '../../shared/errors.js';

/**
 * Masks and 8-bit probability maps are stored as zlib-deflated raw Uint8 pixels (row-major, rows x cols).
 * zlib (not raw deflate) adds an Adler-32 check; label maps compress 20-100x.
 */
export function encodeMask(pixels: Uint8Array): Uint8Array {
  return deflateSync(pixels, { level: 6 });
}

export function decodeMask(blob: Uint8Array, expectedLength: number, what: string): Uint8Array {
  let out: Buffer;
  try {
    out = inflateSync(blob, { maxOutputLength: Math.max(expectedLength, 1) });
  } catch (err) {
    throw new AppError(ErrorCode.BAD_FILE, `${what} cannot be decoded`, { what }, { cause: err });
  }
  if (out.length !== expectedLength)
    throw new AppError(ErrorCode.BAD_FILE, `${what} has ${out.length} pixels, expected ${expectedLength}`, {
      what,
    });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Quantizes probabilities in [0, 1] to 0..255 (the stored form of a teacher's probability map). */
export function quantizeProbabilities(p: Float32Array | Float64Array): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    out[i] = v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0; // NaN -> 0
  }
  return out;
}

export function dequantizeProbabilities(q: Uint8Array): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! / 255;
  return out;
}
