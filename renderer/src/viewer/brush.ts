/**
 * Painting on a label mask (one byte per pixel, row-major). A stroke is painted segment by segment as
 * capsules (every pixel within the radius of the segment), so a fast drag leaves no gaps however far
 * apart two pointer events are. Each call returns the dirty rectangle, for partial redraws.
 */
export interface MaskGrid {
  data: Uint8Array;
  cols: number;
  rows: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Paint only where the image sample lies in [min, max] (the threshold-gated brush). */
export interface IntensityGate {
  samples: ArrayLike<number>;
  channels: number;
  min: number;
  max: number;
}

export function paintSegment(
  grid: MaskGrid,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  radius: number,
  value: number,
  gate?: IntensityGate,
): Rect | null {
  const r = Math.max(0.5, radius);
  const left = Math.max(0, Math.floor(Math.min(x0, x1) - r));
  const right = Math.min(grid.cols - 1, Math.ceil(Math.max(x0, x1) + r));
  const top = Math.max(0, Math.floor(Math.min(y0, y1) - r));
  const bottom = Math.min(grid.rows - 1, Math.ceil(Math.max(y0, y1) + r));
  if (left > right || top > bottom) return null;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const r2 = r * r;
  for (let y = top; y <= bottom; y++) {
    // Pixel centres are at integer + 0.5 in image coordinates.
    const py = y + 0.5;
    for (let x = left; x <= right; x++) {
      const px = x + 0.5;
      let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (x0 + t * dx);
      const ey = py - (y0 + t * dy);
      if (ex * ex + ey * ey > r2) continue;
      const i = y * grid.cols + x;
      if (gate) {
        const v = gate.samples[i * gate.channels]!;
        if (v < gate.min || v > gate.max) continue;
      }
      grid.data[i] = value;
    }
  }
  return { x: left, y: top, w: right - left + 1, h: bottom - top + 1 };
}

export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}
