/**
 * Clean-up of a hard mask before review: keep the largest connected component, fill holes, remove small
 * islands. Foreground uses 8-connectivity and background 4-connectivity (the complementary pair, so a
 * diagonal gap neither joins two objects nor opens a hole to the outside).
 */

export interface PostProcessOptions {
  largestComponent?: boolean;
  fillHoles?: boolean;
  /** Foreground components smaller than this many pixels are removed (0 = keep all). */
  minIslandSize?: number;
}

const N8 = [
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, -1],
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
] as const;
const N4 = [
  [-1, 0],
  [0, -1],
  [0, 1],
  [1, 0],
] as const;

/**
 * Labels the connected components of pixels equal to `value` (1..count; 0 elsewhere) and returns their
 * sizes (sizes[label]).
 */
export function labelComponents(
  mask: Uint8Array,
  rows: number,
  cols: number,
  value: 0 | 1,
  connectivity: 4 | 8,
): { labels: Int32Array; sizes: number[] } {
  const labels = new Int32Array(rows * cols);
  const sizes = [0];
  const queue = new Int32Array(rows * cols);
  const nb = connectivity === 8 ? N8 : N4;
  const is = (i: number) => (mask[i] !== 0 ? 1 : 0) === value;
  for (let start = 0; start < mask.length; start++) {
    if (labels[start] !== 0 || !is(start)) continue;
    const label = sizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    while (head < tail) {
      const i = queue[head++]!;
      const y = (i / cols) | 0;
      const x = i - y * cols;
      for (const [dy, dx] of nb) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= rows || xx < 0 || xx >= cols) continue;
        const j = yy * cols + xx;
        if (labels[j] === 0 && is(j)) {
          labels[j] = label;
          queue[tail++] = j;
        }
      }
    }
    sizes.push(tail);
  }
  return { labels, sizes };
}

export function keepLargestComponent(mask: Uint8Array, rows: number, cols: number): Uint8Array {
  const { labels, sizes } = labelComponents(mask, rows, cols, 1, 8);
  if (sizes.length <= 2) return mask.slice();
  let best = 1;
  for (let l = 2; l < sizes.length; l++) if (sizes[l]! > sizes[best]!) best = l;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}

/** Background regions that do not touch the border become foreground. */
export function fillHoles(mask: Uint8Array, rows: number, cols: number): Uint8Array {
  const { labels, sizes } = labelComponents(mask, rows, cols, 0, 4);
  const outside = new Uint8Array(sizes.length);
  for (let x = 0; x < cols; x++) {
    outside[labels[x]!] = 1;
    outside[labels[(rows - 1) * cols + x]!] = 1;
  }
  for (let y = 0; y < rows; y++) {
    outside[labels[y * cols]!] = 1;
    outside[labels[y * cols + cols - 1]!] = 1;
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] !== 0 || !outside[labels[i]!] ? 1 : 0;
  return out;
}

export function removeSmallIslands(
  mask: Uint8Array,
  rows: number,
  cols: number,
  minSize: number,
): Uint8Array {
  const { labels, sizes } = labelComponents(mask, rows, cols, 1, 8);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = labels[i] !== 0 && sizes[labels[i]!]! >= minSize ? 1 : 0;
  return out;
}

/** Applies the chosen steps in a fixed order: islands, largest component, holes. Returns 0/1. */
export function postProcess(mask: Uint8Array, rows: number, cols: number, o: PostProcessOptions): Uint8Array {
  let m = mask;
  if ((o.minIslandSize ?? 0) > 0) m = removeSmallIslands(m, rows, cols, o.minIslandSize!);
  if (o.largestComponent) m = keepLargestComponent(m, rows, cols);
  if (o.fillHoles) m = fillHoles(m, rows, cols);
  if (m === mask) {
    m = new Uint8Array(mask.length);
    for (let i = 0; i < m.length; i++) m[i] = mask[i] !== 0 ? 1 : 0;
  }
  return m;
}
