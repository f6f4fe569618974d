/**
 * Image -> model input, following the card: colour (ITU-R 601-2 luma or grey replicated to RGB), resize
 * policy (stretch or letterbox), scaling/normalization and layout. The Placement it returns is what the
 * inverse mapping (postprocess.ts) needs to bring the output back to the image's own grid.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { resizeBilinear } from '../engine/image/resize.js';
import type { InputContract, Placement } from './contract.js';

/** One 2-D image as the teachers see it: 8-bit samples, grey or interleaved RGB. */
export interface TeacherImage {
  /** Name stem (matches masks by file name) and a label for messages. */
  name: string;
  rows: number;
  cols: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

/** Python's round(): half to even (the cards' formulas are written in Python). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function placementFor(rows: number, cols: number, c: InputContract): Placement {
  if (c.resize === 'stretch') return { rows, cols, top: 0, left: 0, nh: c.height, nw: c.width };
  // Letterbox as the cards define it: one scale for both axes (256/max(H,W) on a square grid), sizes
  // rounded as Python's round(), centred with floor offsets.
  const scale = Math.min(c.height / rows, c.width / cols);
  const nh = Math.min(c.height, Math.max(1, roundHalfEven(rows * scale)));
  const nw = Math.min(c.width, Math.max(1, roundHalfEven(cols * scale)));
  return { rows, cols, top: Math.floor((c.height - nh) / 2), left: Math.floor((c.width - nw) / 2), nh, nw };
}

/**
 * PIL convert("L") for 8-bit RGB: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, the fixed-point form
 * of 0.299 R + 0.587 G + 0.114 B (checked against Pillow 9.4 on 20000 random colours).
 */
export function lumaPil(rgb: Uint8Array): Uint8Array {
  const n = rgb.length / 3;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    out[i] = (rgb[3 * i]! * 19595 + rgb[3 * i + 1]! * 38470 + rgb[3 * i + 2]! * 7471 + 0x8000) >>> 16;
  return out;
}

/** The image's planes in the contract's channel count (planar, pixel units). */
function sourcePlanes(img: TeacherImage, channels: 1 | 3): Uint8Array[] {
  const n = img.rows * img.cols;
  if (img.pixels.length !== n * img.channels)
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${img.name}: ${img.pixels.length} samples for ${img.cols}x${img.rows}x${img.channels}`,
      {
        image: img.name,
      },
    );
  if (img.channels === 1) return channels === 1 ? [img.pixels] : [img.pixels, img.pixels, img.pixels];
  if (channels === 1) return [lumaPil(img.pixels)];
  const planes = [new Uint8Array(n), new Uint8Array(n), new Uint8Array(n)];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planes[c]![i] = img.pixels[3 * i + c]!;
  return planes;
}

/** Size of one image's input tensor (without the batch axis). */
export function inputLength(c: InputContract): number {
  return c.channels * c.height * c.width;
}

/**
 * Writes one image's model input into `out` at `offset` (inputLength(c) floats) and returns where the image
 * lies on the grid. The letterbox canvas holds padValue in pixel units, normalized like the image.
 */
export function preprocess(
  img: TeacherImage,
  c: InputContract,
  out: Float32Array,
  offset: number,
): Placement {
  const p = placementFor(img.rows, img.cols, c);
  const planes = sourcePlanes(img, c.channels);
  const hw = c.height * c.width;
  const plane = new Float32Array(hw);
  for (let ch = 0; ch < c.channels; ch++) {
    const a = c.scale / c.std[ch]!;
    const b = -c.mean[ch]! / c.std[ch]!;
    if (p.nh !== c.height || p.nw !== c.width) plane.fill(c.padValue);
    resizeBilinear(planes[ch]!, img.rows, img.cols, p.nh, p.nw, {
      out: plane,
      outOffset: p.top * c.width + p.left,
      ...(p.nw !== c.width ? { outStride: c.width } : {}),
    });
    if (c.layout === 'NCHW') {
      const o = offset + ch * hw;
      for (let i = 0; i < hw; i++) out[o + i] = plane[i]! * a + b;
    } else {
      for (let i = 0; i < hw; i++) out[offset + i * c.channels + ch] = plane[i]! * a + b;
    }
  }
  return p;
}
