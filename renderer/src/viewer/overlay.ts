/** Mask overlays: a translucent fill and a solid outline, written as RGBA for a canvas layer. */
import type { Rect } from './brush.js';

export interface OverlayStyle {
  color: [number, number, number];
  /** Fill opacity 0..1; 0 draws the outline only. */
  fill: number;
  outline: boolean;
}

/** Renders `mask` (non-zero = inside) into `out` (RGBA, cols x rows) for the rectangle given, or all of it. */
export function renderOverlay(
  mask: Uint8Array,
  cols: number,
  rows: number,
  style: OverlayStyle,
  out: Uint8ClampedArray,
  rect: Rect = { x: 0, y: 0, w: cols, h: rows },
): void {
  const [r, g, b] = style.color;
  const fillA = Math.round(style.fill * 255);
  const x1 = Math.min(cols, rect.x + rect.w);
  const y1 = Math.min(rows, rect.y + rect.h);
  for (let y = Math.max(0, rect.y); y < y1; y++) {
    for (let x = Math.max(0, rect.x); x < x1; x++) {
      const i = y * cols + x;
      const o = i * 4;
      if (mask[i] === 0) {
        out[o + 3] = 0;
        continue;
      }
      const edge =
        style.outline &&
        (x === 0 ||
          y === 0 ||
          x === cols - 1 ||
          y === rows - 1 ||
          mask[i - 1] === 0 ||
          mask[i + 1] === 0 ||
          mask[i - cols] === 0 ||
          mask[i + cols] === 0);
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = edge ? 255 : fillA;
    }
  }
}

/** A rectangle grown by one pixel on every side (an edit changes its neighbours' outline too). */
export function grow(rect: Rect, cols: number, rows: number): Rect {
  const x = Math.max(0, rect.x - 1);
  const y = Math.max(0, rect.y - 1);
  return { x, y, w: Math.min(cols, rect.x + rect.w + 1) - x, h: Math.min(rows, rect.y + rect.h + 1) - y };
}
