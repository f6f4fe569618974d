/**
 * Whole-mask editing operations of the review tools. Masks are one byte per pixel, row-major;
 * 0 = background, anything else = foreground. Every operation returns a new mask and writes `value`
 * (255 by default) for foreground, so results stay in the convention of the stored masks (0/255).
 * Pure functions: the renderer runs them for instant feedback, tests run them in Node.
 */
export const FOREGROUND = 255;

const INF = 1 << 29;

/**
 * Chamfer (3-4) distance, in pixel units, from every pixel to the nearest pixel for which `inside`
 * holds. Two raster passes: O(pixels) whatever the radius.
 */
function chamferDistance(rows: number, cols: number, inside: (i: number) => boolean): Float32Array {
  const d = new Int32Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = inside(i) ? 0 : INF;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      let v = d[i]!;
      if (x > 0) v = Math.min(v, d[i - 1]! + 3);
      if (y > 0) {
        v = Math.min(v, d[i - cols]! + 3);
        if (x > 0) v = Math.min(v, d[i - cols - 1]! + 4);
        if (x < cols - 1) v = Math.min(v, d[i - cols + 1]! + 4);
      }
      d[i] = v;
    }
  }
  for (let y = rows - 1; y >= 0; y--) {
    for (let x = cols - 1; x >= 0; x--) {
      const i = y * cols + x;
      let v = d[i]!;
      if (x < cols - 1) v = Math.min(v, d[i + 1]! + 3);
      if (y < rows - 1) {
        v = Math.min(v, d[i + cols]! + 3);
        if (x < cols - 1) v = Math.min(v, d[i + cols + 1]! + 4);
        if (x > 0) v = Math.min(v, d[i + cols - 1]! + 4);
      }
      d[i] = v;
    }
  }
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! / 3;
  return out;
}

/** Grows the foreground by `radius` pixels (a disc, approximately). */
export function dilate(
  mask: Uint8Array,
  rows: number,
  cols: number,
  radius: number,
  value = FOREGROUND,
): Uint8Array {
  const dist = chamferDistance(rows, cols, (i) => mask[i] !== 0);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = dist[i]! <= radius ? value : 0;
  return out;
}

/** Shrinks the foreground by `radius` pixels (a disc, approximately). */
export function erode(
  mask: Uint8Array,
  rows: number,
  cols: number,
  radius: number,
  value = FOREGROUND,
): Uint8Array {
  const dist = chamferDistance(rows, cols, (i) => mask[i] === 0);
  const out = new Uint8Array(mask.length);
  // Outside the image counts as foreground: erosion does not eat in from the border.
  for (let i = 0; i < out.length; i++) out[i] = mask[i] !== 0 && dist[i]! > radius ? value : 0;
  return out;
}

/** Sets the 4-connected region of pixels equal to the seed's (fore- or background) to `value`. */
export function floodFill(
  mask: Uint8Array,
  rows: number,
  cols: number,
  x: number,
  y: number,
  value: number,
): Uint8Array {
  const out = mask.slice();
  const sx = Math.floor(x);
  const sy = Math.floor(y);
  if (sx < 0 || sy < 0 || sx >= cols || sy >= rows) return out;
  const seed = sy * cols + sx;
  const fg = mask[seed] !== 0;
  if ((value !== 0) === fg) return out; // already that class
  const queue = new Int32Array(rows * cols);
  const seen = new Uint8Array(rows * cols);
  let head = 0;
  let tail = 0;
  queue[tail++] = seed;
  seen[seed] = 1;
  while (head < tail) {
    const i = queue[head++]!;
    out[i] = value;
    const px = i % cols;
    const neighbours = [px > 0 ? i - 1 : -1, px < cols - 1 ? i + 1 : -1, i - cols, i + cols];
    for (const j of neighbours) {
      if (j < 0 || j >= mask.length || seen[j] || (mask[j] !== 0) !== fg) continue;
      seen[j] = 1;
      queue[tail++] = j;
    }
  }
  return out;
}

/**
 * Fills (value > 0) or cuts (value 0) the inside of a closed polygon given in image coordinates. A pixel is
 * inside when its centre is (even-odd rule), so lasso strokes that cross themselves behave predictably.
 */
export function fillPolygon(
  mask: Uint8Array,
  rows: number,
  cols: number,
  points: readonly { x: number; y: number }[],
  value: number,
): Uint8Array {
  const out = mask.slice();
  if (points.length < 3) return out;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(rows - 1, Math.ceil(maxY));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let k = 0; k < points.length; k++) {
      const a = points[k]!;
      const b = points[(k + 1) % points.length]!;
      if ((a.y <= cy && b.y > cy) || (b.y <= cy && a.y > cy))
        xs.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Pixel x is inside when its centre x + 0.5 lies in [xs[k], xs[k+1]).
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(cols - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      for (let x = from; x <= to; x++) out[y * cols + x] = value;
    }
  }
  return out;
}

/** Number of foreground pixels that differ between two masks (for "what changed" summaries and tests). */
export function changedPixels(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if ((a[i] !== 0) !== (b[i] !== 0)) n++;
  return n;
}
