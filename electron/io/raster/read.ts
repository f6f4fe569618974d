import { decode as decodePng } from 'fast-png';
import { decode as decodeTiff } from 'tiff';
import { badFile, checkDimensions, describe, unsupported } from '../errors.js';
import { readSof } from '../dicom/codestream.js';
import { decodeJpegFileIsolated } from '../dicom/codec-pool.js';
import { rangeOf } from '../stats.js';
import type { ImageStack, PixelArray, SourceFormat } from '../types.js';

export type RasterFormat = Extract<SourceFormat, 'png' | 'jpeg' | 'tiff'>;

export function sniffRaster(b: Uint8Array): RasterFormat | undefined {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) ||
    (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a)
  ) {
    return 'tiff';
  }
  return undefined;
}

interface Plane {
  width: number;
  height: number;
  channels: number;
  data: PixelArray | Float64Array;
}

/** Keeps grey or RGB samples: drops alpha, widens 1..4-bit packed rows. */
function toSlice(path: string, p: Plane): { pixels: PixelArray; samples: 1 | 3 } {
  const { width, height, channels } = p;
  const n = width * height;
  const colour = channels >= 3;
  const keep = colour ? 3 : 1;
  if (p.data.length < n * channels)
    throw badFile(path, `image data is short: ${p.data.length} samples for ${width}x${height}x${channels}`);
  const src = p.data instanceof Float64Array ? Float32Array.from(p.data) : p.data;
  if (channels === keep)
    return { pixels: src.length === n * keep ? src : src.subarray(0, n * keep), samples: keep };
  const out = new (src.constructor as new (len: number) => PixelArray)(n * keep);
  for (let i = 0; i < n; i++) for (let c = 0; c < keep; c++) out[i * keep + c] = src[i * channels + c]!;
  return { pixels: out, samples: keep };
}

function pngPlanes(path: string, bytes: Uint8Array): Plane[] {
  // IHDR is the first chunk: check its size before the decoder allocates.
  if (bytes.length < 33) throw badFile(path, 'PNG is truncated');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkDimensions(path, {
    rows: dv.getUint32(20),
    cols: dv.getUint32(16),
    frames: 1,
    samples: 4,
    bytesPerSample: 2,
  });
  const png = decodePng(bytes);
  checkDimensions(path, {
    rows: png.height,
    cols: png.width,
    frames: 1,
    samples: png.channels,
    bytesPerSample: png.depth > 8 ? 2 : 1,
  });
  if (png.palette) {
    const idx = png.data;
    const out = new Uint8Array(png.width * png.height * 3);
    for (let i = 0; i < png.width * png.height; i++) {
      const c = png.palette[idx[i]!] ?? [0, 0, 0];
      out[3 * i] = c[0] ?? 0;
      out[3 * i + 1] = c[1] ?? 0;
      out[3 * i + 2] = c[2] ?? 0;
    }
    return [{ width: png.width, height: png.height, channels: 3, data: out }];
  }
  let data = png.data as PixelArray;
  if (png.depth < 8) data = unpackBits(data as Uint8Array, png.width, png.height, png.channels, png.depth);
  return [{ width: png.width, height: png.height, channels: png.channels, data }];
}

/** Low-bit-depth PNG rows are packed MSB first; scale values to 0..255 like other viewers. */
function unpackBits(
  packed: Uint8Array,
  width: number,
  height: number,
  channels: number,
  depth: number,
): Uint8Array {
  const perRow = width * channels;
  if (packed.length >= perRow * height) return packed;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const out = new Uint8Array(perRow * height);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < perRow; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)] ?? 0;
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * perRow + x] = Math.round((v * 255) / max);
    }
  }
  return out;
}

async function jpegPlanes(path: string, bytes: Uint8Array): Promise<Plane[]> {
  const sof = readSof(bytes);
  if (!sof) throw badFile(path, 'JPEG has no frame header');
  checkDimensions(path, {
    rows: sof.height,
    cols: sof.width,
    frames: 1,
    samples: sof.components,
    bytesPerSample: 2,
  });
  const f = await decodeJpegFileIsolated(bytes);
  checkDimensions(path, {
    rows: f.height,
    cols: f.width,
    frames: 1,
    samples: f.components,
    bytesPerSample: 1,
  });
  return [{ width: f.width, height: f.height, channels: f.components, data: f.samples }];
}

function tiffPlanes(path: string, bytes: Uint8Array): Plane[] {
  const pages = decodeTiff(bytes, { ignoreImageData: true });
  if (pages.length === 0) throw badFile(path, 'TIFF has no images');
  for (const p of pages) {
    checkDimensions(path, {
      rows: p.height,
      cols: p.width,
      frames: pages.length,
      samples: p.samplesPerPixel,
      bytesPerSample: Math.ceil(p.bitsPerSample / 8),
    });
  }
  return decodeTiff(bytes).map((p) => {
    if (p.bitsPerSample === 1) throw unsupported(path, '1-bit TIFF is not supported');
    return {
      width: p.width,
      height: p.height,
      channels: p.samplesPerPixel,
      data: p.data as PixelArray | Float64Array,
    };
  });
}

/** Reads a PNG, JPEG or (multi-page) TIFF as a stack; pages must share one size. */
export async function readRasterBytes(
  path: string,
  bytes: Uint8Array,
  format: RasterFormat,
): Promise<ImageStack> {
  let planes: Plane[];
  try {
    planes =
      format === 'png'
        ? pngPlanes(path, bytes)
        : format === 'jpeg'
          ? await jpegPlanes(path, bytes)
          : tiffPlanes(path, bytes);
  } catch (err) {
    if (err instanceof Error && err.name === 'AppError') throw err;
    throw badFile(path, `${format.toUpperCase()} data cannot be decoded (${describe(err)})`);
  }
  const first = planes[0]!;
  const slices = planes.map((p, i) => {
    if (p.width !== first.width || p.height !== first.height)
      throw unsupported(path, `page ${i + 1} has another size than page 1`);
    const s = toSlice(path, p);
    return { ...s, provenance: { path, frameIndex: i } };
  });
  const samples = slices[0]!.samples;
  if (slices.some((s) => s.samples !== samples)) throw unsupported(path, 'pages mix grey and colour');
  const pixels = slices.map((s) => s.pixels);
  const range = rangeOf(pixels);
  return {
    format,
    files: [path],
    modality: 'OT',
    rows: first.height,
    cols: first.width,
    samplesPerPixel: samples,
    photometric: samples === 3 ? 'RGB' : 'MONOCHROME2',
    slices: slices.map((s) => ({ pixels: s.pixels, provenance: s.provenance })),
    ...(samples === 1
      ? { window: { center: (range.min + range.max) / 2, width: Math.max(range.max - range.min, 1) } }
      : {}),
    range,
    seriesKey: path,
    meta: { channels: first.channels, bitsPerSample: pixels[0]!.BYTES_PER_ELEMENT * 8, pages: planes.length },
  };
}
