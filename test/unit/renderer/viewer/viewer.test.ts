// The slice viewer's pure parts: painting, overlays, window/level, zoom and pan.
import { describe, expect, it } from 'vitest';
import { paintSegment, unionRect, type MaskGrid } from '../../../../renderer/src/viewer/brush.js';
import { renderOverlay } from '../../../../renderer/src/viewer/overlay.js';
import { dragWindow, renderImage } from '../../../../renderer/src/viewer/windowing.js';
import { fitViewport, toImage, zoomAt } from '../../../../renderer/src/viewer/viewport.js';

const grid = (cols: number, rows: number): MaskGrid => ({ data: new Uint8Array(cols * rows), cols, rows });
const painted = (g: MaskGrid) => g.data.reduce((n, v) => n + (v ? 1 : 0), 0);

describe('brush', () => {
  it('paints a disc of the given radius (area close to pi r^2) and reports its bounds', () => {
    const g = grid(64, 64);
    const rect = paintSegment(g, 32, 32, 32, 32, 10, 255);
    expect(Math.abs(painted(g) - Math.PI * 100)).toBeLessThan(12);
    expect(rect).toEqual({ x: 22, y: 22, w: 21, h: 21 });
    expect(g.data[32 * 64 + 32]).toBe(255);
    expect(g.data[32 * 64 + 45]).toBe(0);
  });

  it('leaves no gap between two distant pointer positions (a fast drag)', () => {
    const g = grid(200, 20);
    paintSegment(g, 5, 10, 195, 10, 2, 1);
    for (let x = 5; x < 195; x++) expect(g.data[10 * 200 + x], `x=${x}`).toBe(1);
  });

  it('erases with value 0 and clips at the image border without writing outside', () => {
    const g = grid(10, 10);
    g.data.fill(1);
    const rect = paintSegment(g, 0, 0, 0, 0, 3, 0)!;
    // The rectangle bounds every changed pixel and stays inside the image.
    expect(rect.x).toBe(0);
    expect(rect.y).toBe(0);
    for (let i = 0; i < 100; i++) {
      if (g.data[i] === 0) expect(i % 10 < rect.w && Math.floor(i / 10) < rect.h).toBe(true);
    }
    expect(g.data[0]).toBe(0);
    expect(g.data[3 * 10 + 3]).toBe(1);
    expect(g.data[99]).toBe(1);
    expect(paintSegment(g, -50, -50, -40, -40, 2, 0)).toBeNull();
  });

  it('paints only within the intensity range when gated', () => {
    const g = grid(4, 1);
    const samples = new Uint16Array([100, 2000, 3000, 100]);
    paintSegment(g, 0, 0.5, 4, 0.5, 1, 255, { samples, channels: 1, min: 1000, max: 2500 });
    expect([...g.data]).toEqual([0, 255, 0, 0]);
  });

  it('unites dirty rectangles', () => {
    expect(unionRect({ x: 0, y: 0, w: 2, h: 2 }, { x: 5, y: 1, w: 1, h: 4 })).toEqual({
      x: 0,
      y: 0,
      w: 6,
      h: 5,
    });
    expect(unionRect(null, { x: 1, y: 1, w: 1, h: 1 })).toEqual({ x: 1, y: 1, w: 1, h: 1 });
  });
});

describe('overlay', () => {
  it('draws a solid outline and a translucent interior', () => {
    const cols = 5;
    const mask = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) mask[y * cols + x] = 1;
    const out = new Uint8ClampedArray(25 * 4);
    renderOverlay(mask, cols, 5, { color: [255, 0, 0], fill: 0.4, outline: true }, out);
    expect(out[(1 * cols + 1) * 4 + 3]).toBe(255); // corner of the region: edge
    expect(out[(2 * cols + 2) * 4 + 3]).toBe(102); // centre: fill
    expect(out[(0 * cols + 0) * 4 + 3]).toBe(0); // outside
    expect(out[(2 * cols + 2) * 4]).toBe(255);
  });
});

describe('window/level', () => {
  it('keeps 16-bit precision until display and clamps outside the window', () => {
    const samples = new Int16Array([-1000, 0, 40, 240, 3000]);
    const out = new Uint8ClampedArray(5 * 4);
    renderImage(samples, 1, 5, { center: 40, width: 400 }, out);
    expect([out[0], out[4], out[12], out[16]]).toEqual([0, 102, 255, 255]);
    expect(Math.abs(out[8]! - 127.5)).toBeLessThanOrEqual(0.5); // the window's centre is mid-grey
    renderImage(samples, 1, 5, { center: 40, width: 400 }, out, true);
    expect(out[0]).toBe(255);
  });

  it('widens with a rightward drag and lowers the level with a downward one', () => {
    const w = dragWindow({ center: 100, width: 200 }, 100, 50, { min: 0, max: 1024 });
    expect(w.width).toBeGreaterThan(200);
    expect(w.center).toBeLessThan(100);
  });
});

describe('viewport', () => {
  it('fits the image and keeps the point under the cursor fixed when zooming', () => {
    const v = fitViewport(512, 256, 1000, 600);
    expect(v.scale).toBeCloseTo(1.921875);
    const before = toImage(v, 300, 200);
    const after = toImage(zoomAt(v, 300, 200, 2), 300, 200);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });
});
