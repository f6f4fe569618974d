import type { PixelArray } from '../types.js';

/** What native (uncompressed) samples look like, from the image pixel module. */
export interface SampleLayout {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  photometric: string;
  planarConfiguration: number;
  /** Float / Double Float Pixel Data (parametric maps). */
  float: boolean;
}

/** Bytes of one native frame. 1-bit frames may share bytes; multiply bits, not bytes. */
export function nativeFrameBits(l: SampleLayout): number {
  const samples = l.photometric === 'YBR_FULL_422' ? 2 : l.samplesPerPixel;
  return l.rows * l.cols * samples * l.bitsAllocated;
}

/** Allocates the typed array a frame's stored values live in. */
export function storedArray(l: SampleLayout, length: number): PixelArray {
  const signed = l.pixelRepresentation === 1;
  if (l.float) return new Float32Array(length);
  switch (l.bitsAllocated) {
    case 1:
      return new Uint8Array(length);
    case 8:
      return signed ? new Int8Array(length) : new Uint8Array(length);
    case 16:
      return signed ? new Int16Array(length) : new Uint16Array(length);
    case 32:
      return signed ? new Int32Array(length) : new Uint32Array(length);
    default:
      throw new Error(`${l.bitsAllocated} bits allocated`);
  }
}

/**
 * Reads one native frame. `bytes` starts at the frame (for 1-bit data: at the byte holding `bitOffset`).
 * Big-endian OW data is swapped per 16-bit word even for 8-bit samples (PS3.5 A.3).
 */
export function unpackNative(
  bytes: Uint8Array,
  l: SampleLayout,
  bigEndian: boolean,
  owWords: boolean,
  bitOffset = 0,
): PixelArray {
  const n = l.rows * l.cols * (l.photometric === 'YBR_FULL_422' ? 2 : l.samplesPerPixel);
  if (l.bitsAllocated === 1) return unpackBits(bytes, n, bitOffset, bigEndian && owWords);
  const bps = l.float ? (l.bitsAllocated === 64 ? 8 : 4) : l.bitsAllocated / 8;
  const src = bytes.subarray(0, n * bps);
  if (l.float && bps === 8) {
    const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, !bigEndian);
    return out;
  }
  const copy = new Uint8Array(src);
  if (bigEndian && (bps > 1 || owWords)) swapBytes(copy, bps > 1 ? bps : 2);
  const out = storedArray(l, 0);
  const Ctor = out.constructor as new (b: ArrayBuffer, o: number, n: number) => PixelArray;
  return new Ctor(copy.buffer, 0, n);
}

function swapBytes(b: Uint8Array, width: number): void {
  const end = b.length - (b.length % width);
  if (width === 2) {
    for (let i = 0; i < end; i += 2) {
      const t = b[i]!;
      b[i] = b[i + 1]!;
      b[i + 1] = t;
    }
  } else {
    for (let i = 0; i < end; i += width) b.subarray(i, i + width).reverse();
  }
}

/** 1-bit samples, least significant bit first (PS3.5 D.2); frames may start mid-byte. */
function unpackBits(bytes: Uint8Array, n: number, bitOffset: number, swapWords: boolean): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const bit = bitOffset + i;
    let byte = bit >> 3;
    if (swapWords) byte ^= 1;
    out[i] = (bytes[byte]! >> (bit & 7)) & 1;
  }
  return out;
}

/**
 * Keeps only the BitsStored low bits and sign-extends them when the pixel representation is signed:
 * bits above them may carry overlays or garbage (PS3.5 8.1.1).
 */
export function maskToBitsStored(a: PixelArray, l: SampleLayout): void {
  if (l.float || l.bitsAllocated <= 1 || l.bitsStored >= l.bitsAllocated || l.bitsStored < 1) return;
  const bits = l.bitsStored;
  if (l.pixelRepresentation === 1) {
    const shift = 32 - bits;
    for (let i = 0; i < a.length; i++) a[i] = (a[i]! << shift) >> shift;
  } else {
    const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
    for (let i = 0; i < a.length; i++) a[i] = (a[i]! & mask) >>> 0;
  }
}

/** Interleaves planar (RRR..GGG..BBB..) colour. */
export function interleave(a: PixelArray, pixels: number): PixelArray {
  const out = new (a.constructor as new (n: number) => PixelArray)(a.length);
  for (let i = 0; i < pixels; i++) {
    out[3 * i] = a[i]!;
    out[3 * i + 1] = a[pixels + i]!;
    out[3 * i + 2] = a[2 * pixels + i]!;
  }
  return out;
}

/** YBR_FULL_422 stores Y1 Y2 Cb Cr per pixel pair; repeat the chroma for both pixels. */
export function expandYbr422(a: PixelArray, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(rows * cols * 3);
  let o = 0;
  for (let i = 0; i + 3 < a.length && o < out.length; i += 4) {
    const cb = a[i + 2]!;
    const cr = a[i + 3]!;
    out[o++] = a[i]!;
    out[o++] = cb;
    out[o++] = cr;
    out[o++] = a[i + 1]!;
    out[o++] = cb;
    out[o++] = cr;
  }
  return out;
}

/** Full-range YCbCr to RGB (PS3.3 C.7.6.3.1.2), rounded and clipped as pydicom and GDCM do. */
export function ybrFullToRgb(a: PixelArray): void {
  for (let i = 0; i + 2 < a.length; i += 3) {
    const y = a[i]!;
    const cb = a[i + 1]! - 128;
    const cr = a[i + 2]! - 128;
    a[i] = clip8(Math.floor(y + 1.402 * cr + 0.5));
    a[i + 1] = clip8(Math.floor(y - ((0.114 * 1.772) / 0.587) * cb - ((0.299 * 1.402) / 0.587) * cr + 0.5));
    a[i + 2] = clip8(Math.floor(y + 1.772 * cb + 0.5));
  }
}

const clip8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
