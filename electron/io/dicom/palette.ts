import type { DataSet } from 'dicom-parser';
import type { PixelArray } from '../types.js';

interface Lut {
  first: number;
  /** Entries scaled to 0..255. */
  values: Uint8Array;
}

function readLut(ds: DataSet, descTag: string, dataTag: string, bigEndian: boolean): Lut | undefined {
  const desc = ds.elements[descTag];
  const data = ds.elements[dataTag];
  if (!desc || !data || desc.length < 6) return undefined;
  let entries = ds.uint16(descTag, 0) ?? 0;
  if (entries === 0) entries = 65536;
  // First mapped value is US or SS depending on the pixel representation; read its bits as written.
  const first = ds.uint16(descTag, 1) ?? 0;
  const bits = ds.uint16(descTag, 2) ?? 16;
  const bytes = ds.byteArray.subarray(data.dataOffset, data.dataOffset + data.length);
  const values = new Uint8Array(entries);
  if (bits === 8 && bytes.length === entries) {
    // Some writers pack 8-bit entries one per byte instead of one per 16-bit word.
    values.set(bytes.subarray(0, entries));
  } else {
    if (bytes.length < entries * 2) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < entries; i++) {
      const v = view.getUint16(i * 2, !bigEndian);
      values[i] = bits === 8 ? v & 0xff : v >> 8;
    }
  }
  return { first, values };
}

/** Expands palette indices to interleaved 8-bit RGB (PS3.3 C.7.6.3.1.5); undefined when the LUTs are absent. */
export function applyPalette(ds: DataSet, bigEndian: boolean, indices: PixelArray): Uint8Array | undefined {
  const r = readLut(ds, 'x00281101', 'x00281201', bigEndian);
  const g = readLut(ds, 'x00281102', 'x00281202', bigEndian);
  const b = readLut(ds, 'x00281103', 'x00281203', bigEndian);
  if (!r || !g || !b) return undefined;
  const out = new Uint8Array(indices.length * 3);
  const lookup = (lut: Lut, v: number): number => {
    const i = v - lut.first;
    return lut.values[i < 0 ? 0 : i >= lut.values.length ? lut.values.length - 1 : i]!;
  };
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    out[3 * i] = lookup(r, v);
    out[3 * i + 1] = lookup(g, v);
    out[3 * i + 2] = lookup(b, v);
  }
  return out;
}
