import type { PixelArray } from '../types.js';
import { badFile, checkDimensions, describe, unsupported } from '../errors.js';
import { decodeFrame, ENCAPSULATED } from './codecs.js';
import { decodeFrameIsolated } from './codec-pool.js';
import type { CodecFrame } from './codecs.js';
import { encapsulatedFrames } from './frames.js';
import type { DicomInfo } from './header.js';
import {
  expandYbr422,
  interleave,
  maskToBitsStored,
  nativeFrameBits,
  storedArray,
  unpackNative,
  ybrFullToRgb,
} from './native.js';
import type { SampleLayout } from './native.js';
import { TS } from './parse.js';
import type { ParsedDicom } from './parse.js';

export interface DecodedPixels {
  /** Stored values per frame: masked to BitsStored and sign-extended; colour as interleaved RGB. */
  frames: PixelArray[];
  /** 'RGB' once colour has been converted; palette images keep their indices. */
  photometric: string;
  samplesPerPixel: number;
  /** Repairs made to decode the file (e.g. an impossible size in a codestream header), one per frame. */
  warnings: string[];
}

const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflatedLE, TS.explicitBE]);
const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT']);

function layoutOf(info: DicomInfo): SampleLayout {
  const { path } = info;
  const float = info.pixelTag === 'x7fe00008' || info.pixelTag === 'x7fe00009';
  if (!float && ![1, 8, 16, 32].includes(info.bitsAllocated)) {
    throw unsupported(path, `${info.bitsAllocated} bits allocated per sample is not supported`, {
      bitsAllocated: info.bitsAllocated,
    });
  }
  if (info.samplesPerPixel !== 1 && info.samplesPerPixel !== 3) {
    throw unsupported(path, `${info.samplesPerPixel} samples per pixel is not supported`);
  }
  if (info.samplesPerPixel === 3 && !COLOUR.has(info.photometric)) {
    throw unsupported(path, `colour model ${info.photometric} is not supported`);
  }
  if (info.bitsStored < 1 || info.bitsStored > info.bitsAllocated) {
    throw badFile(path, `BitsStored ${info.bitsStored} does not fit BitsAllocated ${info.bitsAllocated}`);
  }
  return {
    rows: info.rows,
    cols: info.cols,
    samplesPerPixel: info.samplesPerPixel,
    bitsAllocated: info.bitsAllocated,
    bitsStored: float ? info.bitsAllocated : info.bitsStored,
    pixelRepresentation: float ? 0 : info.pixelRepresentation,
    photometric: info.photometric,
    planarConfiguration: info.planarConfiguration,
    float,
  };
}

/** Converts codec samples to the stored-value array type, checking the size against the header. */
function fromCodec(c: CodecFrame, l: SampleLayout, frame: number, path: string): PixelArray {
  if (c.width !== l.cols || c.height !== l.rows || c.components !== l.samplesPerPixel) {
    throw badFile(
      path,
      `frame ${frame + 1} decodes to ${c.width}x${c.height}x${c.components}, the header says ${l.cols}x${l.rows}x${l.samplesPerPixel}`,
    );
  }
  const expected = l.rows * l.cols * l.samplesPerPixel;
  if (c.samples.length < expected) {
    throw badFile(path, `frame ${frame + 1} decodes to ${c.samples.length} samples, ${expected} expected`);
  }
  const out = storedArray(l, c.samples.length);
  if (out.BYTES_PER_ELEMENT === c.samples.BYTES_PER_ELEMENT) {
    // Same width, maybe other signedness: reinterpret the bits, then mask/sign-extend by BitsStored.
    const Ctor = out.constructor as new (b: ArrayBufferLike, o: number, n: number) => PixelArray;
    return new Ctor(c.samples.buffer, c.samples.byteOffset, c.samples.length);
  }
  out.set(c.samples);
  return out;
}

export async function decodeDicomPixels(parsed: ParsedDicom, info: DicomInfo): Promise<DecodedPixels> {
  const { path } = info;
  const ds = parsed.dataSet;
  const el = info.pixelTag ? ds.elements[info.pixelTag] : undefined;
  if (!el) throw unsupported(path, 'has no pixel data');
  const l = layoutOf(info);
  const bytesPerSample = l.float ? l.bitsAllocated / 8 : Math.max(1, l.bitsAllocated / 8);
  checkDimensions(path, {
    rows: l.rows,
    cols: l.cols,
    frames: info.frames,
    samples: l.samplesPerPixel,
    bytesPerSample,
  });

  const ts = info.transferSyntax;
  const codecEntry = ENCAPSULATED[ts];
  let frames: PixelArray[];
  let codecRgb = false;
  const warnings: string[] = [];
  if (NATIVE.has(ts) || (!codecEntry && !el.encapsulatedPixelData && !el.items)) {
    if (!NATIVE.has(ts) && ts !== '') throw unsupported(path, `transfer syntax ${ts} is not supported`);
    frames = readNative(parsed, info, l, el.dataOffset, el.length);
  } else if (!codecEntry) {
    throw unsupported(path, `transfer syntax ${ts || '(none)'} is not supported`, { transferSyntax: ts });
  } else {
    let encoded: Uint8Array[];
    try {
      encoded = encapsulatedFrames(ds, el, info.frames, codecEntry.codec);
    } catch (err) {
      throw badFile(path, `encapsulated pixel data is corrupt (${describe(err)})`);
    }
    frames = [];
    const frameBits = nativeFrameBits(l);
    for (let f = 0; f < encoded.length; f++) {
      let out;
      try {
        // RLE and deflate are bounded loops of our own; the third-party codecs run in the guarded worker.
        const decode =
          codecEntry.codec === 'rle' || codecEntry.codec === 'deflate' ? decodeFrame : decodeFrameIsolated;
        out = await decode(encoded[f]!, {
          transferSyntax: ts,
          rows: l.rows,
          cols: l.cols,
          samplesPerPixel: l.samplesPerPixel,
          bitsAllocated: l.bitsAllocated,
          photometric: l.photometric,
          frameBytes: Math.ceil(frameBits / 8),
        });
      } catch (err) {
        throw badFile(path, `${codecEntry.name} frame ${f + 1} cannot be decoded (${describe(err)})`, {
          transferSyntax: ts,
          frame: f,
        });
      }
      if ('native' in out) {
        if (out.native.length * 8 < frameBits) {
          throw badFile(path, `${codecEntry.name} frame ${f + 1} decodes to too few bytes`);
        }
        frames.push(unpackNative(out.native, l, false, false));
      } else {
        frames.push(fromCodec(out.codec, l, f, path));
        codecRgb = out.codec.rgb;
        if (out.codec.warning) warnings.push(`frame ${f + 1}: ${out.codec.warning}`);
      }
    }
  }

  let photometric = info.photometric;
  for (let f = 0; f < frames.length; f++) {
    let a = frames[f]!;
    maskToBitsStored(a, l);
    if (l.samplesPerPixel === 3) {
      // Codecs (RLE included) emit interleaved samples whatever PlanarConfiguration says.
      const native = !codecEntry || codecEntry.codec === 'deflate';
      if (native && l.planarConfiguration === 1) a = interleave(a, l.rows * l.cols);
      if (native && photometric === 'YBR_FULL_422') a = expandYbr422(a, l.rows, l.cols);
      if (!codecRgb && (info.photometric === 'YBR_FULL' || info.photometric === 'YBR_FULL_422'))
        ybrFullToRgb(a);
    }
    frames[f] = a;
  }
  if (l.samplesPerPixel === 3) photometric = 'RGB';
  return { frames, photometric, samplesPerPixel: l.samplesPerPixel, warnings };
}

function readNative(
  parsed: ParsedDicom,
  info: DicomInfo,
  l: SampleLayout,
  offset: number,
  length: number,
): PixelArray[] {
  const bytes = parsed.dataSet.byteArray;
  const frameBits = nativeFrameBits(l);
  const available = Math.max(0, Math.min(length, bytes.length - offset));
  const needed = Math.ceil((frameBits * info.frames) / 8);
  if (available < needed) {
    throw badFile(info.path, `pixel data is truncated: ${available} bytes, ${needed} expected`, {
      available,
      needed,
    });
  }
  const bigEndian = parsed.transferSyntax === TS.explicitBE;
  const vr = parsed.dataSet.elements[info.pixelTag!]?.vr;
  const frames: PixelArray[] = [];
  for (let f = 0; f < info.frames; f++) {
    const bit = f * frameBits;
    // 1-bit frames may start mid-byte; they are addressed from the element start so that big-endian word
    // swapping keeps its parity.
    const start = l.bitsAllocated === 1 ? offset : offset + bit / 8;
    const end = offset + available;
    frames.push(
      unpackNative(bytes.subarray(start, end), l, bigEndian, vr === 'OW', l.bitsAllocated === 1 ? bit : 0),
    );
  }
  return frames;
}
