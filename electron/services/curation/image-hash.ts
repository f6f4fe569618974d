/**
 * Near-duplicate detection with a difference hash (dHash): the image is windowed to grey, shrunk to
 * 9 x 8 by area averaging, and each bit says whether a cell is brighter than its right neighbour. Two
 * images whose 64-bit hashes differ in a few bits look alike (re-exports, the same frame twice, a
 * resized copy), whatever their sizes.
 */
import type { ImagePixels } from '../../../shared/dto.js';

/** Area-averaged grey of a region (channels averaged), windowed to 0..255. */
export function shrinkGrey(
  pixels: ArrayLike<number>,
  rows: number,
  cols: number,
  channels: number,
  win: { center: number; width: number },
  outW: number,
  outH: number,
): Float32Array {
  const out = new Float32Array(outW * outH);
  const low = win.center - win.width / 2;
  const scale = 255 / Math.max(win.width, 1e-6);
  for (let oy = 0; oy < outH; oy++) {
    const y0 = Math.floor((oy * rows) / outH);
    const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * rows) / outH));
    for (let ox = 0; ox < outW; ox++) {
      const x0 = Math.floor((ox * cols) / outW);
      const x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * cols) / outW));
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * cols + x) * channels;
          let v = 0;
          for (let c = 0; c < channels; c++) v += pixels[i + c]!;
          sum += Math.min(255, Math.max(0, (v / channels - low) * scale));
          n++;
        }
      }
      out[oy * outW + ox] = sum / n;
    }
  }
  return out;
}

/** The 64-bit dHash as two 32-bit halves (bit operations on numbers stay fast and exact). */
export function dHash(
  img: Pick<ImagePixels, 'pixels' | 'rows' | 'cols' | 'channels' | 'window'>,
): [number, number] {
  const g = shrinkGrey(img.pixels, img.rows, img.cols, img.channels, img.window, 9, 8);
  let hi = 0;
  let lo = 0;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const bit = g[y * 9 + x]! > g[y * 9 + x + 1]! ? 1 : 0;
      const k = y * 8 + x;
      if (k < 32) hi = (hi | (bit << k)) >>> 0;
      else lo = (lo | (bit << (k - 32))) >>> 0;
    }
  }
  return [hi, lo];
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hammingDistance(a: [number, number], b: [number, number]): number {
  return popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);
}

/** Groups (connected through pairs within `maxDistance` bits) of two or more images. */
export function nearDuplicateGroups(
  hashes: readonly { id: number; hash: [number, number] }[],
  maxDistance: number,
): number[][] {
  const parent = hashes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      if (hammingDistance(hashes[i]!.hash, hashes[j]!.hash) <= maxDistance) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, number[]>();
  hashes.forEach((h, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(h.id);
    else groups.set(r, [h.id]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
}
