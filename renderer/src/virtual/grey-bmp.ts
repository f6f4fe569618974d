/**
 * An 8-bit grey BMP of a thumbnail's pixels: a file the browser decodes by itself (off the main thread,
 * into the page's tiles), so that a thumbnail can be an <img> instead of a canvas. Chosen over PNG (no
 * compression to run here: the bytes never leave the page) and over a canvas per cell (each canvas is a
 * compositor layer of its own, and a screenful of them cost 5-35 ms a frame at commit in software
 * rendering). Pure, for unit tests.
 */
const FILE_HEADER = 14;
const INFO_HEADER = 40;
const PALETTE = 256 * 4;
const PIXELS_AT = FILE_HEADER + INFO_HEADER + PALETTE;

export function greyBmp(pixels: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`a BMP needs a positive whole size, not ${width} x ${height}`);
  if (pixels.length !== width * height)
    throw new RangeError(`${pixels.length} pixels do not make ${width} x ${height}`);
  // Rows are padded to whole 4-byte words.
  const stride = (width + 3) & ~3;
  const size = PIXELS_AT + stride * height;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out[0] = 0x42; // 'B'
  out[1] = 0x4d; // 'M'
  v.setUint32(2, size, true);
  v.setUint32(10, PIXELS_AT, true);
  v.setUint32(14, INFO_HEADER, true);
  v.setInt32(18, width, true);
  v.setInt32(22, -height, true); // negative: rows top to bottom, as the pixels are
  v.setUint16(26, 1, true); // planes
  v.setUint16(28, 8, true); // bits per pixel: an index into the palette
  v.setUint32(30, 0, true); // no compression
  v.setUint32(34, stride * height, true);
  v.setUint32(38, 2835, true); // 72 dpi, as pixels per metre
  v.setUint32(42, 2835, true);
  v.setUint32(46, 256, true); // palette entries
  // The palette: entry k is grey level k (blue, green, red, unused).
  for (let k = 0; k < 256; k++)
    out.fill(k, FILE_HEADER + INFO_HEADER + 4 * k, FILE_HEADER + INFO_HEADER + 4 * k + 3);
  for (let y = 0; y < height; y++)
    out.set(pixels.subarray(y * width, (y + 1) * width), PIXELS_AT + y * stride);
  return out;
}
