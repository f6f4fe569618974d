import { encode } from 'fast-png';
import { badFile } from '../errors.js';
import { readRasterBytes } from '../raster/read.js';

/**
 * Reads a PNG mask as labels: a mask that only holds 0 and one other value (the 0/255 convention of
 * ../shared/data) becomes 0/1; one with more values keeps them as segment numbers; colour masks count any
 * non-black pixel as foreground.
 */
export async function readPngMask(
  path: string,
  bytes: Uint8Array,
  expect?: { rows: number; cols: number },
): Promise<Uint8Array | Uint16Array> {
  const stack = await readRasterBytes(path, bytes, 'png');
  if (expect && (stack.rows !== expect.rows || stack.cols !== expect.cols)) {
    throw badFile(path, `mask is ${stack.cols}x${stack.rows}, the image is ${expect.cols}x${expect.rows}`, {
      maskSize: [stack.cols, stack.rows],
      imageSize: [expect.cols, expect.rows],
    });
  }
  const px = stack.slices[0]!.pixels;
  const n = stack.rows * stack.cols;
  if (stack.samplesPerPixel === 3) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = px[3 * i]! || px[3 * i + 1]! || px[3 * i + 2]! ? 1 : 0;
    return out;
  }
  const values = new Set<number>();
  for (let i = 0; i < n && values.size < 3; i++) values.add(px[i]!);
  values.delete(0);
  if (values.size <= 1) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = px[i] ? 1 : 0;
    return out;
  }
  return px instanceof Uint16Array ? Uint16Array.from(px) : Uint8Array.from(px);
}

/**
 * Writes one slice of a mask as an 8-bit grey PNG. `binary` writes 0/255 (the convention of the shared
 * data and most tools); otherwise label values are written as they are (16-bit when any exceeds 255).
 */
export function writePngMask(
  labels: Uint8Array | Uint16Array,
  rows: number,
  cols: number,
  binary = true,
): Uint8Array {
  if (labels.length !== rows * cols)
    throw new Error(`mask has ${labels.length} pixels, ${rows}x${cols} expected`);
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  if (binary || max <= 255) {
    const data = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) data[i] = binary ? (labels[i] ? 255 : 0) : labels[i]!;
    return encode({ width: cols, height: rows, data, depth: 8, channels: 1 });
  }
  return encode({ width: cols, height: rows, data: Uint16Array.from(labels), depth: 16, channels: 1 });
}
