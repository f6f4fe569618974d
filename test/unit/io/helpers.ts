/** Small builders for test inputs the shared data lacks (stand-alone JPEG, TIFF). */

/** The first JPEG codestream (SOI..EOI) inside a file, e.g. an encapsulated DICOM frame. */
export function extractFirstJpegFrame(b: Uint8Array): Uint8Array {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const start = buf.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
  const end = buf.indexOf(Buffer.from([0xff, 0xd9]), start);
  if (start < 0 || end < 0) throw new Error('no JPEG codestream');
  return new Uint8Array(buf.subarray(start, end + 2));
}

/** A minimal baseline TIFF (little endian, one uncompressed strip) of 8- or 16-bit grey or RGB samples. */
export function tiffFile(
  samples: Uint8Array | Uint16Array,
  width: number,
  height: number,
  spp: 1 | 3,
): Uint8Array {
  const bits = samples.BYTES_PER_ELEMENT * 8;
  const data = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  const ifdOffset = 8;
  const nEntries = 10;
  const ifdSize = 2 + nEntries * 12 + 4;
  const bitsOffset = ifdOffset + ifdSize;
  const dataOffset = bitsOffset + 8;
  entries.push([256, 4, 1, width]);
  entries.push([257, 4, 1, height]);
  entries.push([258, 3, spp, spp === 1 ? bits : bitsOffset]);
  entries.push([259, 3, 1, 1]);
  entries.push([262, 3, 1, spp === 1 ? 1 : 2]);
  entries.push([273, 4, 1, dataOffset]);
  entries.push([277, 3, 1, spp]);
  entries.push([278, 4, 1, height]);
  entries.push([279, 4, 1, data.length]);
  entries.push([284, 3, 1, 1]);
  const out = new Uint8Array(dataOffset + data.length);
  const dv = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  dv.setUint32(4, ifdOffset, true);
  dv.setUint16(ifdOffset, nEntries, true);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    dv.setUint16(at, tag, true);
    dv.setUint16(at + 2, type, true);
    dv.setUint32(at + 4, count, true);
    if (type === 3 && count === 1) dv.setUint16(at + 8, value, true);
    else dv.setUint32(at + 8, value, true);
  });
  dv.setUint32(ifdOffset + 2 + nEntries * 12, 0, true);
  for (let i = 0; i < 3; i++) dv.setUint16(bitsOffset + 2 * i, bits, true);
  out.set(data, dataOffset);
  return out;
}
