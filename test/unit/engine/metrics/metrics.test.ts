import { describe, expect, it } from 'vitest';
import {
  caseMetrics,
  dice,
  hd95,
  iou,
  mean,
  overlapCounts,
  overlapMetrics,
  percentile,
  squaredDistanceTransform,
  summarize,
  threshold,
  toCsv,
} from '../../../../electron/engine/metrics/index.js';

function square(rows: number, cols: number, r0: number, c0: number, side: number): Uint8Array {
  const m = new Uint8Array(rows * cols);
  for (let r = r0; r < r0 + side; r++) for (let c = c0; c < c0 + side; c++) m[r * cols + c] = 255;
  return m;
}

describe('overlap metrics', () => {
  it('computes Dice, IoU, precision and recall from counts', () => {
    const truth = square(10, 10, 0, 0, 4); // 16 px
    const pred = square(10, 10, 0, 0, 2); // 4 px, all inside
    const m = overlapMetrics(overlapCounts(pred, truth));
    expect(m.dice).toBeCloseTo((2 * 4) / 20, 12);
    expect(m.iou).toBeCloseTo(4 / 16, 12);
    expect(m.precision).toBe(1);
    expect(m.recall).toBeCloseTo(0.25, 12);
  });

  it('states the empty-mask convention: both empty = 1, one empty = 0', () => {
    const empty = new Uint8Array(25);
    expect(overlapMetrics(overlapCounts(empty, empty))).toEqual({ dice: 1, iou: 1, precision: 1, recall: 1 });
    const some = square(5, 5, 1, 1, 2);
    expect(overlapMetrics(overlapCounts(some, empty))).toEqual({ dice: 0, iou: 0, precision: 0, recall: 0 });
    expect(overlapMetrics(overlapCounts(empty, some)).dice).toBe(0);
  });

  // The teachers' former copy (teachers/metrics.ts), now the same functions over the same counts.
  it('Dice and IoU of two masks with the empty-ground-truth convention, threshold and mean', () => {
    expect(dice([1, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo(2 / 3, 12);
    expect(iou([1, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo(1 / 2, 12);
    expect(dice([0, 0], [0, 0])).toBe(1);
    expect(dice([0, 1], [0, 0])).toBe(0);
    expect(iou([0, 0], [0, 0])).toBe(1);
    expect(dice([0, 0], [255, 0])).toBe(0);
    expect([...threshold([0.5, 0.51, 0.2])]).toEqual([0, 1, 0]);
    expect(mean([1, 0, 0.5])).toBe(0.5);
    expect(mean([])).toBeNaN();
    expect(() => dice([1], [1, 0])).toThrow(/differ/);
  });

  it('refuses masks of different sizes', () => {
    expect(() => overlapCounts(new Uint8Array(4), new Uint8Array(5))).toThrow(/differ/);
  });
});

describe('distance transform and HD95', () => {
  it('matches brute force on a random seed image, with anisotropic spacing', () => {
    const rows = 13,
      cols = 17;
    const seeds = new Uint8Array(rows * cols);
    let s = 7;
    for (let i = 0; i < seeds.length; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      seeds[i] = s % 11 === 0 ? 1 : 0;
    }
    const sp: [number, number] = [0.7, 1.3];
    const dt = squaredDistanceTransform(seeds, rows, cols, sp);
    for (let i = 0; i < seeds.length; i++) {
      let best = Infinity;
      for (let j = 0; j < seeds.length; j++)
        if (seeds[j]) {
          const dr = (Math.floor(i / cols) - Math.floor(j / cols)) * sp[0],
            dc = ((i % cols) - (j % cols)) * sp[1];
          best = Math.min(best, dr * dr + dc * dc);
        }
      expect(dt[i]).toBeCloseTo(best, 9);
    }
  });

  it('is the shift for a translated square and scales with the spacing', () => {
    const a = square(40, 40, 10, 10, 10),
      b = square(40, 40, 10, 13, 10);
    expect(hd95(a, b, 40, 40)).toBeCloseTo(3, 9);
    expect(hd95(a, b, 40, 40, [0.5, 0.5])).toBeCloseTo(1.5, 9);
    expect(hd95(a, a, 40, 40)).toBe(0);
  });

  it('is 0 for two empty masks and undefined when one is empty', () => {
    const e = new Uint8Array(16),
      s = square(4, 4, 1, 1, 2);
    expect(hd95(e, e, 4, 4)).toBe(0);
    expect(hd95(s, e, 4, 4)).toBeNaN();
  });

  it('interpolates percentiles linearly', () => {
    expect(percentile([0, 10], 95)).toBeCloseTo(9.5, 12);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
  });
});

describe('per-case rows and aggregates', () => {
  it('means over images, HD95 only where defined, mm only with spacing', () => {
    const t = square(20, 20, 5, 5, 6);
    const rows = [
      caseMetrics('a', t, t, 20, 20, [2, 2]),
      caseMetrics('b', new Uint8Array(400), t, 20, 20, null),
    ];
    expect(rows[0]).toMatchObject({ dice: 1, hd95_px: 0, hd95_mm: 0, truth_pixels: 36, pred_pixels: 36 });
    expect(rows[1]).toMatchObject({ dice: 0, hd95_px: null, hd95_mm: null, pred_pixels: 0 });
    const s = summarize(rows);
    expect(s).toMatchObject({
      n: 2,
      dice_mean: 0.5,
      iou_mean: 0.5,
      hd95_px_mean: 0,
      hd95_px_n: 1,
      hd95_mm_n: 1,
    });
    const csv = toCsv(rows).trim().split('\n');
    expect(csv[0]).toBe('case,dice,iou,precision,recall,hd95_px,hd95_mm,truth_pixels,pred_pixels');
    expect(csv[2]).toBe('b,0,0,0,0,,,36,0');
  });
});
