/**
 * Teacher test-time augmentation: show a teacher the same image under a few label-preserving views
 * (mirrored, zoomed out, zoomed in), map each answer back onto the image's grid and average. A teacher
 * that meets a new domain is noisy; its errors partly differ between views while the lesion does not.
 *   identity   the image as it is
 *   flip       mirrored left-right (ultrasound and most 2-D modalities have no handedness)
 *   zoom s<1   zoom out: the image in the middle of a black canvas 1/s times its size (the teacher sees
 *              the lesion smaller); the answer is the canvas' middle window
 *   zoom s>1   zoom in: the middle window 1/s of the image (the lesion looks bigger); the answer covers
 *              only that window, so the pixels outside it are "not seen" (NaN) and the average skips them
 * Every view is pure: it needs nothing of the teacher but its answer on the image's own (viewed) grid.
 */
import type { TeacherImage } from '../preprocess.js';

export type TtaView = { kind: 'identity' } | { kind: 'flip' } | { kind: 'zoom'; scale: number };

/** The views the study measured (scales chosen a priori, not fitted on any label). */
export const DEFAULT_TTA_VIEWS: readonly TtaView[] = [
  { kind: 'identity' },
  { kind: 'flip' },
  { kind: 'zoom', scale: 0.85 },
  { kind: 'zoom', scale: 1.15 },
];

export function viewName(v: TtaView): string {
  return v.kind === 'zoom' ? `zoom${v.scale}` : v.kind;
}

/** Where the viewed image sits relative to the original: the original's window inside the view, or v.v. */
interface Window {
  rows: number;
  cols: number;
  top: number;
  left: number;
}

function checkScale(v: TtaView): void {
  if (v.kind === 'zoom' && !(v.scale > 0.25 && v.scale < 4 && v.scale !== 1))
    throw new RangeError(`TTA zoom scale must be in (0.25, 4) and not 1, got ${v.scale}`);
}

/** The centred window of a zoom: the canvas (zoom out) or the crop (zoom in), in pixels. */
function zoomWindow(rows: number, cols: number, scale: number): Window {
  const r = Math.max(1, Math.round(rows / scale));
  const c = Math.max(1, Math.round(cols / scale));
  return {
    rows: r,
    cols: c,
    top: Math.floor(Math.abs(r - rows) / 2),
    left: Math.floor(Math.abs(c - cols) / 2),
  };
}

/** Copies a rows x cols block of interleaved pixels between two planes of their own widths. */
function copyBlock(
  src: Uint8Array,
  srcCols: number,
  srcTop: number,
  srcLeft: number,
  dst: Uint8Array,
  dstCols: number,
  dstTop: number,
  dstLeft: number,
  rows: number,
  cols: number,
  ch: number,
): void {
  for (let y = 0; y < rows; y++) {
    const s = ((srcTop + y) * srcCols + srcLeft) * ch;
    dst.set(src.subarray(s, s + cols * ch), ((dstTop + y) * dstCols + dstLeft) * ch);
  }
}

/** The image as the teacher sees it under a view. */
export function viewImage(image: TeacherImage, view: TtaView): TeacherImage {
  checkScale(view);
  const { rows, cols, channels: ch } = image;
  if (view.kind === 'identity') return image;
  if (view.kind === 'flip') {
    const px = new Uint8Array(image.pixels.length);
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++) {
        const s = (y * cols + x) * ch;
        const d = (y * cols + (cols - 1 - x)) * ch;
        for (let c = 0; c < ch; c++) px[d + c] = image.pixels[s + c]!;
      }
    return { ...image, pixels: px };
  }
  const w = zoomWindow(rows, cols, view.scale);
  if (view.scale < 1) {
    // Zoom out: a black canvas (the background of ultrasound and of most scans) with the image centred.
    const px = new Uint8Array(w.rows * w.cols * ch);
    copyBlock(image.pixels, cols, 0, 0, px, w.cols, w.top, w.left, rows, cols, ch);
    return { ...image, rows: w.rows, cols: w.cols, pixels: px };
  }
  const px = new Uint8Array(w.rows * w.cols * ch);
  copyBlock(image.pixels, cols, w.top, w.left, px, w.cols, 0, 0, w.rows, w.cols, ch);
  return { ...image, rows: w.rows, cols: w.cols, pixels: px };
}

/**
 * A teacher's answer on the viewed grid, back on the original rows x cols grid. Pixels the view did not
 * show (outside a zoom-in crop) are NaN.
 */
export function unviewMap(prob: Float32Array, view: TtaView, rows: number, cols: number): Float32Array {
  checkScale(view);
  if (view.kind === 'identity') return prob;
  const out = new Float32Array(rows * cols);
  if (view.kind === 'flip') {
    if (prob.length !== rows * cols)
      throw new RangeError(`flip view: map of ${prob.length}, grid ${rows}x${cols}`);
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++) out[y * cols + x] = prob[y * cols + (cols - 1 - x)]!;
    return out;
  }
  const w = zoomWindow(rows, cols, view.scale);
  if (prob.length !== w.rows * w.cols)
    throw new RangeError(`zoom ${view.scale} view: map of ${prob.length}, expected ${w.rows}x${w.cols}`);
  if (view.scale < 1) {
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++) out[y * cols + x] = prob[(w.top + y) * w.cols + w.left + x]!;
    return out;
  }
  out.fill(NaN);
  for (let y = 0; y < w.rows; y++)
    for (let x = 0; x < w.cols; x++) out[(w.top + y) * cols + w.left + x] = prob[y * w.cols + x]!;
  return out;
}

/**
 * Per pixel, the mean of the views that saw it (NaN = not seen). A pixel no view saw is 0. Every map must
 * be on the same grid.
 */
export function averageViews(maps: readonly Float32Array[]): Float32Array {
  if (maps.length === 0) throw new RangeError('averageViews needs at least one map');
  const n = maps[0]!.length;
  if (maps.some((m) => m.length !== n)) throw new RangeError('averageViews: the maps differ in size');
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let k = 0;
    for (const m of maps) {
      const v = m[i]!;
      if (!Number.isNaN(v)) {
        s += v;
        k++;
      }
    }
    out[i] = k > 0 ? s / k : 0;
  }
  return out;
}
