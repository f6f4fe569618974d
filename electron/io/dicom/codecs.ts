import { inflateRawSync } from 'node:zlib';
import { LIMITS } from '../errors.js';
import { readSof, requireEndMarker, type CodecFrame, type FrameParams } from './codestream.js';
import { decodeRle } from './rle.js';

export type { CodecFrame, FrameParams };

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
    const decoded = decoder.getDecodedBuffer();
    if (decoded.length < expected)
      throw new Error(
        `codec returned ${decoded.length} bytes for a ${width}x${height} frame (${expected} expected)`,
      );
    // Copy out of the wasm heap: the next decode reuses it.
    const raw = decoded.slice(0, expected);
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

/**
 * A raw JPEG 2000 codestream whose SIZ marker segment (ISO 15444-1 A.5.1) gives an image side no scanner
 * produces, where the DICOM header gives a valid one, is decoded with the header's size: the rest of the
 * codestream is usually intact (pydicom's JPEG2000-embedded-sequence-delimiter.dcm: a sequence delimiter
 * written over Rsiz and the high half of Xsiz). The caller still compares the decoded size to the header.
 */
function repairSiz(b: Uint8Array, p: FrameParams): { encoded: Uint8Array; warning?: string } {
  const raw = b.length >= 24 && b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51;
  if (!raw) return { encoded: b };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // SOC, SIZ marker, Lsiz, Rsiz, then Xsiz, Ysiz, XOsiz, YOsiz.
  const sides = [
    { name: 'width', at: 8, header: p.cols },
    { name: 'height', at: 12, header: p.rows },
  ].map((s) => ({ ...s, siz: view.getUint32(s.at) - view.getUint32(s.at + 8) }));
  const impossible = (v: number): boolean => v < 1 || v > LIMITS.maxDimension;
  const broken = sides.filter((s) => impossible(s.siz) && !impossible(s.header));
  if (broken.length === 0) return { encoded: b };
  const out = b.slice();
  const outView = new DataView(out.buffer);
  for (const s of broken) outView.setUint32(s.at, view.getUint32(s.at + 8) + s.header);
  const what = broken.map((s) => `${s.name} ${s.siz}`).join(' and ');
  return {
    encoded: out,
    warning: `its JPEG 2000 header gives an impossible image ${what}; decoded with the size in the DICOM header`,
  };
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
      requireEndMarker(encoded);
      const c = await decodeWasm('jls', encoded);
      // CharLS returns a multi-component ILV 0 image plane by plane.
      if (c.components === 3 && jlsInterleave(encoded) === 0)
        c.samples = interleavePlanes(c.samples, c.width * c.height);
      return { codec: c };
    }
    case 'j2k':
    case 'htj2k': {
      requireEndMarker(encoded);
      const { encoded: repaired, warning } = repairSiz(encoded, p);
      const c = await decodeWasm(entry.codec, repaired);
      return { codec: warning ? { ...c, warning } : c };
    }
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
