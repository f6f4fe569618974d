import type { DataSet } from 'dicom-parser';
import type { PixelArray } from '../types.js';

interface Lut {
  first: number;
  /** Entries scaled to 0..255. */
  values: Uint8Array;
}

/** The red, green and blue lookup tables of a palette colour image (PS3.3 C.7.6.3.1.5, C.7.9). */
export interface Palette {
  red: Lut;
  green: Lut;
  blue: Lut;
}

interface Descriptor {
  entries: number;
  /** First mapped value: US or SS depending on the pixel representation; read as its bits are written. */
  first: number;
  bits: number;
}

function readDescriptor(ds: DataSet, tag: string): Descriptor | undefined {
  if (!ds.elements[tag] || ds.elements[tag].length < 6) return undefined;
  return {
    entries: ds.uint16(tag, 0) || 65536,
    first: ds.uint16(tag, 1) ?? 0,
    bits: ds.uint16(tag, 2) ?? 16,
  };
}

const valueBytes = (ds: DataSet, tag: string): Uint8Array | undefined => {
  const el = ds.elements[tag];
  return el ? ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length) : undefined;
};

/** Palette Color Lookup Table Data: one entry per 16-bit word, or per byte from some 8-bit writers. */
function plainEntries(bytes: Uint8Array, d: Descriptor, bigEndian: boolean): ArrayLike<number> {
  if (d.bits === 8 && bytes.length === d.entries) return bytes;
  if (bytes.length < d.entries * 2) {
    throw new Error(`the table holds ${bytes.length >> 1} of its ${d.entries} entries`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint16Array.from({ length: d.entries }, (_, i) => view.getUint16(i * 2, !bigEndian));
}

/** numpy.around: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Expands Segmented Palette Color Lookup Table Data (PS3.3 C.7.9.2) as pydicom's _expand_segmented_lut
 * does (pydicom/pixels/processing.py). Each segment is an opcode, a length and its data:
 * - 0, discrete: `length` entries follow as they are;
 * - 1, linear: one value y1; `length` entries step from the previous entry (exclusive) to y1 (inclusive),
 *   computed like numpy.linspace and rounded like numpy.around;
 * - 2, indirect: a 32-bit offset (low word first) to replay `length` segments from. The offset is in
 *   bytes from the start of the data, as the standard and GDCM read it (pydicom indexes entries with it;
 *   no file at hand has an indirect segment).
 * The output is capped at `limit` entries and indirect segments nest at most 8 deep, so hostile data cannot
 * make it grow or recurse without end.
 */
export function expandSegmentedLut(data: ArrayLike<number>, entryBytes: 1 | 2, limit: number): number[] {
  const out: number[] = [];
  expandSegments(data, entryBytes, limit, out, 0, Infinity, 0);
  return out;
}

function expandSegments(
  data: ArrayLike<number>,
  entryBytes: 1 | 2,
  limit: number,
  out: number[],
  start: number,
  maxSegments: number,
  depth: number,
): void {
  let at = start;
  // A trailing odd entry is padding: every segment is longer than two entries.
  for (let n = 0; n < maxSegments && at + 1 < data.length && out.length < limit; n++) {
    const opcode = data[at]!;
    const length = data[at + 1]!;
    at += 2;
    if (opcode === 0) {
      if (at + length > data.length) throw new Error('a discrete segment runs past the end of the data');
      for (let i = 0; i < length && out.length < limit; i++) out.push(data[at + i]!);
      at += length;
    } else if (opcode === 1) {
      if (out.length === 0) throw new Error('the first segment is a linear one');
      if (at >= data.length) throw new Error('a linear segment runs past the end of the data');
      const y0 = out[out.length - 1]!;
      const y1 = data[at++]!;
      const first = y0 + (y1 - y0) / length;
      const step = length > 1 ? (y1 - first) / (length - 1) : 0;
      for (let k = 0; k < length && out.length < limit; k++) {
        out.push(k === length - 1 ? y1 : roundHalfEven(k * step + first));
      }
    } else if (opcode === 2) {
      if (out.length === 0) throw new Error('the first segment is an indirect one');
      if (depth >= 8) throw new Error('indirect segments nest too deep');
      const words = 4 / entryBytes;
      if (at + words > data.length) throw new Error('an indirect segment runs past the end of the data');
      const offset =
        entryBytes === 2
          ? data[at]! + data[at + 1]! * 65536
          : (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
      at += words;
      if (offset % entryBytes !== 0 || offset / entryBytes >= data.length) {
        throw new Error(`an indirect segment points outside the data (byte ${offset})`);
      }
      expandSegments(data, entryBytes, limit, out, offset / entryBytes, length, depth + 1);
    } else {
      throw new Error(`unknown segment type ${opcode}`);
    }
  }
}

function segmentedEntries(bytes: Uint8Array, d: Descriptor, bigEndian: boolean): ArrayLike<number> {
  let data: ArrayLike<number> = bytes;
  if (d.bits !== 8) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    data = Uint16Array.from({ length: bytes.length >> 1 }, (_, i) => view.getUint16(i * 2, !bigEndian));
  }
  const out = expandSegmentedLut(data, d.bits === 8 ? 1 : 2, d.entries);
  if (out.length === 0) throw new Error('the segmented table is empty');
  return out;
}

function readLut(ds: DataSet, colour: 'red' | 'green' | 'blue', bigEndian: boolean): Lut {
  const n = { red: 1, green: 2, blue: 3 }[colour];
  const d = readDescriptor(ds, `x0028110${n}`);
  if (!d) throw new Error(`the ${colour} table descriptor is missing`);
  const plain = valueBytes(ds, `x0028120${n}`);
  const segmented = valueBytes(ds, `x0028122${n}`);
  let entries: ArrayLike<number>;
  try {
    if (plain?.length) entries = plainEntries(plain, d, bigEndian);
    else if (segmented?.length) entries = segmentedEntries(segmented, d, bigEndian);
    else throw new Error('it has no data');
  } catch (err) {
    throw new Error(`the ${colour} table is unusable: ${(err as Error).message}`, { cause: err });
  }
  const values = new Uint8Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const v = entries[i]!;
    values[i] = d.bits === 8 ? v & 0xff : v >> 8;
  }
  return { first: d.first, values };
}

/** Reads the palette of a PALETTE COLOR image; throws an Error that says which table is unusable. */
export function readPalette(ds: DataSet, bigEndian: boolean): Palette {
  return {
    red: readLut(ds, 'red', bigEndian),
    green: readLut(ds, 'green', bigEndian),
    blue: readLut(ds, 'blue', bigEndian),
  };
}

/** Expands palette indices to interleaved 8-bit RGB (PS3.3 C.7.6.3.1.5). */
export function applyPalette(palette: Palette, indices: PixelArray): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  // Indices below the first mapped value take the first entry, those past the end the last (C.7.6.3.1.5).
  const lookup = (lut: Lut, v: number): number => {
    const i = v - lut.first;
    return lut.values[i < 0 ? 0 : i >= lut.values.length ? lut.values.length - 1 : i]!;
  };
  const { red, green, blue } = palette;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    out[3 * i] = lookup(red, v);
    out[3 * i + 1] = lookup(green, v);
    out[3 * i + 2] = lookup(blue, v);
  }
  return out;
}
