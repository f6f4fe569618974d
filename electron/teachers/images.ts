/**
 * Images as the teachers see them: 2-D, 8-bit, grey or RGB, each with a name stem that pairs it with masks
 * and output files. Wider samples (16-bit, CT units, float) are mapped linearly from the stack's value
 * range to 0..255, the display convention; MONOCHROME1 is inverted so that bright means dense everywhere.
 */
import { readImageFile } from '../io/read.js';
import type { ImageStack, PixelArray } from '../io/types.js';
import { fileStem } from '../util/files.js';
import type { TeacherImage } from './preprocess.js';

export function toUint8(p: PixelArray, range: { min: number; max: number }, invert: boolean): Uint8Array {
  if (p instanceof Uint8Array && !invert) return p;
  const out = new Uint8Array(p.length);
  const span = range.max - range.min;
  const k = span > 0 ? 255 / span : 0;
  for (let i = 0; i < p.length; i++) {
    const v = Math.round((p[i]! - range.min) * k);
    const c = v < 0 ? 0 : v > 255 ? 255 : v;
    out[i] = invert ? 255 - c : c;
  }
  return out;
}

/** Every slice of a stack as a teacher image; slices of a multi-slice stack get "_0000"-style suffixes. */
export function stackImages(stack: ImageStack, stem: string): TeacherImage[] {
  const invert = stack.photometric === 'MONOCHROME1';
  const range = stack.slices[0]?.pixels instanceof Uint8Array ? { min: 0, max: 255 } : stack.range;
  return stack.slices.map((s, k) => ({
    name: stack.slices.length > 1 ? `${stem}_${String(k).padStart(4, '0')}` : stem,
    rows: stack.rows,
    cols: stack.cols,
    channels: stack.samplesPerPixel,
    pixels: toUint8(s.pixels, range, invert),
  }));
}

export async function readTeacherImages(path: string): Promise<TeacherImage[]> {
  return stackImages(await readImageFile(path), fileStem(path));
}
