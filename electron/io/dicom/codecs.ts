import { inflateRawSync } from 'node:zlib';
import { LIMITS } from '../errors.js';
import { decodeRle } from './rle.js';

/** Samples of one decoded frame as the codec produced them: interleaved when it has several components. */
export interface CodecFrame {
  samples: Uint8Array | Uint16Array | Int16Array;
  width: number;
  height: number;
  components: number;
  /** True when the codec already converted YCbCr to RGB (JPEG baseline/extended, J2K with MCT). */
  rgb: boolean;
}

type WasmKind = 'j2k' | 'htj2k' | 'jls' | 'jpeg8';

// The Emscripten modules are loaded lazily, once. An abort (a WebAssembly RuntimeError: out of memory,
// unreachable) leaves a module unusable, so it is dropped and reloaded on the next use; ordinary decode
// errors (C++ exceptions) leave it intact.
const modules = new Map<WasmKind, Promise<WasmDecoderCtor>>();

function loadModule(kind: WasmKind): Promise<WasmDecoderCtor> {
  let p = modules.get(kind);
  if (!p) {
    p = (async () => {
      // Emscripten prints aborts to stderr; route them nowhere, the thrown error carries the message.
      const quiet = { print: () => {}, printErr: () => {} };
      switch (kind) {
        case 'j2k':
          return (await (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default(quiet))
            .J2KDecoder;
        case 'htj2k':
          return (await (await import('@cornerstonejs/codec-openjph/wasmjs')).default(quiet)).HTJ2KDecoder;
        case 'jls':
          return (await (await import('@cornerstonejs/codec-charls/decodewasmjs')).default(quiet))
            .JpegLSDecoder;
        case 'jpeg8':
          return (await (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default(quiet))
            .JPEGDecoder;
      }
    })();
    modules.set(kind, p);
  }
  return p;
}

async function decodeWasm(kind: WasmKind, encoded: Uint8Array): Promise<CodecFrame> {
  const Ctor = await loadModule(kind);
  let decoder: WasmDecoder | undefined;
  try {
    decoder = new Ctor();
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const { width, height, componentCount } = info;
    const expected = width * height * componentCount * (info.bitsPerSample > 8 ? 2 : 1);
    if (expected <= 0 || expected > LIMITS.maxDecodedBytes)
      throw new Error(`codec reported ${width}x${height}`);
    // Copy out of the wasm heap: the next decode reuses it.
    const raw = decoder.getDecodedBuffer().slice(0, expected);
    const samples =
      info.bitsPerSample > 8
        ? info.isSigned
          ? new Int16Array(raw.buffer, 0, expected / 2)
          : new Uint16Array(raw.buffer, 0, expected / 2)
        : raw;
    return {
      samples,
      width,
      height,
      components: componentCount,
      rgb: kind !== 'jls' && componentCount === 3,
    };
  } catch (err) {
    if ((err as Error)?.name === 'RuntimeError' || /abort/i.test(String((err as Error)?.message ?? err)))
      modules.delete(kind);
    throw err;
  } finally {
    try {
      decoder?.delete();
    } catch {
      // The module aborted; it has been dropped above.
    }
  }
}

/** Reads precision and size from a JPEG SOFn marker segment, walking markers by their lengths. */
export function readSof(
  b: Uint8Array,
): { marker: number; precision: number; height: number; width: number; components: number } | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++;
      continue;
    }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return {
        marker: m,
        precision: b[i + 4]!,
        height: (b[i + 5]! << 8) | b[i + 6]!,
        width: (b[i + 7]! << 8) | b[i + 8]!,
        components: b[i + 9]!,
      };
    }
    if (len < 2) return undefined;
    i += 2 + len;
  }
  return undefined;
}

/** Transfer syntaxes whose frames are encapsulated, with the codec that decodes them. */
export const ENCAPSULATED: Record<string, { name: string; codec: string }> = {
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline', codec: 'jpeg' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended', codec: 'jpeg' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless SV1', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', codec: 'jls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', codec: 'jls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', codec: 'j2k' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', codec: 'j2k' },
  '1.2.840.10008.1.2.4.201': { name: 'HTJ2K Lossless', codec: 'htj2k' },
  '1.2.840.10008.1.2.4.202': { name: 'HTJ2K Lossless RPCL', codec: 'htj2k' },
  '1.2.840.10008.1.2.4.203': { name: 'HTJ2K', codec: 'htj2k' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', codec: 'rle' },
  '1.2.840.10008.1.2.8.1': { name: 'Deflated Image Frame', codec: 'deflate' },
};

export interface FrameParams {
  transferSyntax: string;
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  photometric: string;
  /** Bytes one native frame takes (for RLE and deflate, whose output is native). */
  frameBytes: number;
}

/**
 * Decodes one encapsulated frame. Returns either codec samples or native bytes (RLE, deflate), which the
 * caller unpacks like uncompressed pixel data.
 */
export async function decodeFrame(
  encoded: Uint8Array,
  p: FrameParams,
): Promise<{ codec: CodecFrame } | { native: Uint8Array }> {
  const entry = ENCAPSULATED[p.transferSyntax];
  switch (entry?.codec) {
    case 'rle':
      return { native: decodeRle(encoded, p) };
    case 'deflate':
      return {
        native: new Uint8Array(inflateRawSync(encoded, { maxOutputLength: Math.max(p.frameBytes, 1) })),
      };
    case 'jpeg-lossless':
      return { codec: await decodeIjgLazy(encoded) };
    case 'jpeg': {
      const sof = readSof(encoded);
      // Lossless (SOF3) streams sometimes carry a baseline/extended transfer syntax; libjpeg-turbo's
      // 8-bit build cannot do 12-bit extended (SOF1) frames.
      if (sof && (sof.marker === 0xc3 || sof.precision > 8)) return { codec: await decodeIjgLazy(encoded) };
      return { codec: await decodeWasm('jpeg8', p.photometric === 'RGB' ? markRgb(encoded) : encoded) };
    }
    case 'jls': {
      const c = await decodeWasm('jls', encoded);
      // CharLS returns a multi-component ILV 0 image plane by plane.
      if (c.components === 3 && jlsInterleave(encoded) === 0)
        c.samples = interleavePlanes(c.samples, c.width * c.height);
      return { codec: c };
    }
    case 'j2k':
    case 'htj2k':
      return { codec: await decodeWasm(entry.codec, encoded) };
    default:
      throw new Error(`transfer syntax ${p.transferSyntax} has no decoder`);
  }
}

const ascii = (b: Uint8Array, at: number, n: number): string =>
  String.fromCharCode(...b.subarray(at, at + n));

/**
 * Does the JPEG stream carry a JFIF (APP0) or complete Adobe (APP14) marker before its frame header?
 * libjpeg ignores an Adobe segment too short to hold the transform flag.
 */
function hasColourMarker(b: Uint8Array): boolean {
  let i = 2;
  while (i + 4 < b.length && b[i] === 0xff) {
    const m = b[i + 1]!;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (m === 0xe0 && ascii(b, i + 4, 4) === 'JFIF') return true;
    if (m === 0xee && len >= 14 && ascii(b, i + 4, 5) === 'Adobe') return true;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return false;
    i += 2 + len;
  }
  return false;
}

/** JPEG-LS interleave mode (ILV) from the first scan header: 0 means the components come one after another. */
function jlsInterleave(b: Uint8Array): number | undefined {
  let i = 2;
  while (i + 4 < b.length && b[i] === 0xff) {
    const m = b[i + 1]!;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (m === 0xda) {
      const ns = b[i + 4]!;
      return b[i + 4 + 1 + 2 * ns + 1];
    }
    i += 2 + len;
  }
  return undefined;
}

/** Planar (RRR..GGG..BBB..) to interleaved samples. */
function interleavePlanes<T extends Uint8Array | Uint16Array | Int16Array>(a: T, pixels: number): T {
  const out = new (a.constructor as new (n: number) => T)(a.length);
  for (let i = 0; i < pixels; i++) {
    out[3 * i] = a[i]!;
    out[3 * i + 1] = a[pixels + i]!;
    out[3 * i + 2] = a[2 * pixels + i]!;
  }
  return out;
}

/**
 * A three-component JPEG without JFIF/Adobe markers is taken as YCbCr by libjpeg, but DICOM says RGB:
 * insert an Adobe marker with transform 0 so the decoder leaves the components alone, as GDCM does.
 */
function markRgb(b: Uint8Array): Uint8Array {
  const sof = readSof(b);
  if (!sof || sof.components !== 3 || hasColourMarker(b)) return b;
  const adobe = [
    0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
  ];
  const out = new Uint8Array(b.length + adobe.length);
  out.set(b.subarray(0, 2), 0);
  out.set(adobe, 2);
  out.set(b.subarray(2), 2 + adobe.length);
  return out;
}

/** Loaded on first use: most imports never meet a 12-bit or lossless JPEG. */
async function decodeIjgLazy(encoded: Uint8Array): Promise<CodecFrame> {
  const { decodeIjg } = await import('./ijg.js');
  return decodeIjg(encoded);
}

/** A stand-alone JPEG file (baseline, progressive, 12-bit extended or lossless). */
export async function decodeJpegFile(encoded: Uint8Array): Promise<CodecFrame> {
  const sof = readSof(encoded);
  if (sof && (sof.marker === 0xc3 || sof.precision > 8)) return decodeIjgLazy(encoded);
  return decodeWasm('jpeg8', encoded);
}
