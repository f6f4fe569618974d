import { describe, expect, it } from 'vitest';
import { changedPixels, dilate, erode, fillPolygon, floodFill } from '../../../../shared/masks/edit-ops.js';

function square(rows: number, cols: number, y0: number, x0: number, size: number): Uint8Array {
  const m = new Uint8Array(rows * cols);
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) m[y * cols + x] = 255;
  return m;
}
const count = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0);

describe('mask editing operations', () => {
  it('dilates a point into a disc of about the radius and erodes it back', () => {
    const m = new Uint8Array(41 * 41);
    m[20 * 41 + 20] = 255;
    const d = dilate(m, 41, 41, 5);
    expect(Math.abs(count(d) - Math.PI * 25)).toBeLessThan(25);
    expect(d[20 * 41 + 25]).toBe(255);
    expect(d[20 * 41 + 27]).toBe(0);
    const e = erode(d, 41, 41, 5);
    expect(e[20 * 41 + 20]).toBe(255);
    expect(count(e)).toBeLessThan(10);
  });

  it('erodes a square evenly and keeps the border from eating in', () => {
    const m = square(20, 20, 5, 5, 10);
    expect(count(erode(m, 20, 20, 2))).toBe(36); // 10x10 -> 6x6
    const full = new Uint8Array(100).fill(255);
    expect(count(erode(full, 10, 10, 3))).toBe(100);
  });

  it('flood-fills a closed background region and nothing outside it', () => {
    // A ring: its hole is filled, the outside is not.
    const m = square(12, 12, 2, 2, 8);
    const hole = square(12, 12, 4, 4, 4);
    for (let i = 0; i < m.length; i++) if (hole[i]) m[i] = 0;
    const filled = floodFill(m, 12, 12, 5, 5, 255);
    expect(count(filled)).toBe(64);
    expect(filled[0]).toBe(0);
    // Erasing the ring by flood-filling it with 0 leaves nothing.
    expect(count(floodFill(m, 12, 12, 2, 2, 0))).toBe(0);
    // Out-of-image seeds change nothing.
    expect(changedPixels(floodFill(m, 12, 12, -1, 3, 255), m)).toBe(0);
  });

  it('fills and cuts polygons by pixel centres', () => {
    const empty = new Uint8Array(10 * 10);
    const rect = [
      { x: 2, y: 2 },
      { x: 6, y: 2 },
      { x: 6, y: 5 },
      { x: 2, y: 5 },
    ];
    const filled = fillPolygon(empty, 10, 10, rect, 255);
    expect(count(filled)).toBe(12); // 4 x 3 pixels
    expect(filled[2 * 10 + 2]).toBe(255);
    expect(filled[5 * 10 + 2]).toBe(0);
    const cut = fillPolygon(filled, 10, 10, rect.slice(0, 3), 0); // cut a triangle
    expect(count(cut)).toBeLessThan(12);
    expect(count(cut)).toBeGreaterThan(3);
    expect(count(fillPolygon(empty, 10, 10, rect.slice(0, 2), 255))).toBe(0);
  });
});
