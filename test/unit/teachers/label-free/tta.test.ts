import { describe, expect, it } from 'vitest';
import type { TeacherImage } from '../../../../electron/teachers/preprocess.js';
import {
  averageViews,
  DEFAULT_TTA_VIEWS,
  unviewMap,
  viewImage,
  viewName,
  type TtaView,
} from '../../../../electron/teachers/label-free/tta.js';

/** A 7 x 10 grey image whose pixel value encodes its position (distinct, non-zero). */
function grey(rows = 7, cols = 10): TeacherImage {
  return {
    name: 'img',
    rows,
    cols,
    channels: 1,
    pixels: Uint8Array.from({ length: rows * cols }, (_, i) => 1 + (i % 250)),
  };
}

/** A "teacher" that answers each pixel with its own value / 255: perfect equivariance, so every view must map back to the original. */
const pixelTeacher = (img: TeacherImage) => Float32Array.from(img.pixels, (v) => v / 255);

describe('teacher test-time augmentation views', () => {
  it('maps every view back onto the original grid (where the view saw the pixel)', () => {
    const img = grey();
    const truth = pixelTeacher(img);
    for (const view of DEFAULT_TTA_VIEWS) {
      const back = unviewMap(pixelTeacher(viewImage(img, view)), view, img.rows, img.cols);
      expect(back.length).toBe(truth.length);
      let seen = 0;
      for (let i = 0; i < truth.length; i++) {
        if (Number.isNaN(back[i]!)) continue;
        seen++;
        expect(back[i]).toBeCloseTo(truth[i]!, 6);
      }
      // Only the zoom-in leaves pixels unseen, and it still sees the middle.
      if (view.kind === 'zoom' && view.scale > 1) {
        expect(seen).toBeLessThan(truth.length);
        expect(Number.isNaN(back[3 * img.cols + 5]!)).toBe(false);
      } else expect(seen).toBe(truth.length);
    }
  });

  it('mirrors columns for the flip and changes the grid for the zooms', () => {
    const img = grey();
    const flipped = viewImage(img, { kind: 'flip' });
    expect(flipped.pixels[0]).toBe(img.pixels[img.cols - 1]);
    expect(viewImage(flipped, { kind: 'flip' }).pixels).toEqual(img.pixels);
    const out = viewImage(img, { kind: 'zoom', scale: 0.5 });
    expect([out.rows, out.cols]).toEqual([14, 20]);
    // The zoom-out canvas is black around the centred image.
    expect(out.pixels[0]).toBe(0);
    const inn = viewImage(img, { kind: 'zoom', scale: 2 });
    expect([inn.rows, inn.cols]).toEqual([4, 5]);
    expect(inn.pixels[0]).toBe(img.pixels[1 * img.cols + 2]);
  });

  it('keeps RGB samples together', () => {
    const img: TeacherImage = {
      name: 'rgb',
      rows: 1,
      cols: 2,
      channels: 3,
      pixels: Uint8Array.of(1, 2, 3, 4, 5, 6),
    };
    expect([...viewImage(img, { kind: 'flip' }).pixels]).toEqual([4, 5, 6, 1, 2, 3]);
    const z = viewImage(
      { ...img, rows: 2, cols: 2, pixels: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) },
      {
        kind: 'zoom',
        scale: 0.5,
      },
    );
    expect([z.rows, z.cols]).toEqual([4, 4]);
    expect([...z.pixels.subarray((1 * 4 + 1) * 3, (1 * 4 + 1) * 3 + 3)]).toEqual([1, 2, 3]);
  });

  it('averages only the views that saw a pixel', () => {
    const a = Float32Array.of(0.2, NaN, NaN);
    const b = Float32Array.of(0.6, 0.4, NaN);
    const avg = averageViews([a, b]);
    expect(avg[0]).toBeCloseTo(0.4, 6);
    expect(avg[1]).toBeCloseTo(0.4, 6);
    expect(avg[2]).toBe(0);
    expect(() => averageViews([a, Float32Array.of(1)])).toThrow(/differ in size/);
  });

  it('refuses a zoom of 1 or an absurd scale, and a map of the wrong size', () => {
    const bad: TtaView[] = [
      { kind: 'zoom', scale: 1 },
      { kind: 'zoom', scale: 10 },
    ];
    for (const v of bad) expect(() => viewImage(grey(), v)).toThrow(/scale/);
    expect(() => unviewMap(new Float32Array(3), { kind: 'zoom', scale: 0.5 }, 7, 10)).toThrow(
      /expected 14x20/,
    );
    expect(DEFAULT_TTA_VIEWS.map(viewName)).toEqual(['identity', 'flip', 'zoom0.85', 'zoom1.15']);
  });
});
