import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../electron/students/rng.js';
import {
  foregroundFraction,
  growFromSeeds,
  hysteresisMask,
  otsuThreshold,
  teachersForegroundFraction,
  thresholdForFraction,
} from '../../../../electron/teachers/label-free/thresholds.js';

describe('label-free thresholds', () => {
  it('Otsu separates a bimodal map: under-confident foreground near 0.35, background near 0.05', () => {
    const rng = new Rng(3);
    const truth = Array.from({ length: 2000 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const prob = Float32Array.from(truth, (t) => (t ? 0.35 : 0.05) + (rng.next() - 0.5) * 0.1);
    const t = otsuThreshold(prob);
    expect(t).toBeGreaterThan(0.1);
    expect(t).toBeLessThan(0.3);
    expect(truth.every((v, i) => (prob[i]! > t ? 1 : 0) === v)).toBe(true);
    // At 0.5 the same map has no foreground at all: the reason for a label-free threshold.
    expect(foregroundFraction(prob, 0.5)).toBe(0);
    expect(otsuThreshold(new Float32Array(10).fill(0.3))).toBe(0.5);
  });

  it('finds the threshold that gives a foreground fraction', () => {
    const prob = Float32Array.from({ length: 100 }, (_, i) => i / 100);
    for (const f of [0.1, 0.25, 0.5, 0.99])
      expect(foregroundFraction(prob, thresholdForFraction(prob, f))).toBeCloseTo(f, 9);
    expect(foregroundFraction(prob, thresholdForFraction(prob, 0))).toBe(0);
    expect(() => thresholdForFraction(prob, 1.5)).toThrow(/\[0, 1\]/);
  });

  it("takes the median or the largest of the teachers' own foreground fractions", () => {
    const m = (k: number) => Float32Array.from({ length: 10 }, (_, i) => (i < k ? 0.9 : 0.1));
    expect(teachersForegroundFraction([m(1), m(5), m(3)], 'median')).toBeCloseTo(0.3, 9);
    expect(teachersForegroundFraction([m(1), m(5), m(3)], 'max')).toBeCloseTo(0.5, 9);
    expect(teachersForegroundFraction([m(2), m(4)], 'median')).toBeCloseTo(0.3, 9);
  });

  it('hysteresis keeps a doubted rim around a confident core and drops a doubtful blob alone', () => {
    // 1 x 9 strip: [core 0.8 with rim 0.3] gap [isolated 0.3 blob].
    const prob = Float32Array.of(0.3, 0.8, 0.3, 0, 0, 0.3, 0.3, 0, 0);
    expect([...hysteresisMask(prob, 1, 9, 0.5, 0.25)]).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(() => hysteresisMask(prob, 1, 9, 0.2, 0.5)).toThrow(/low/);
    expect(() => hysteresisMask(prob, 2, 9, 0.5, 0.2)).toThrow(/2x9/);
  });

  it('grows seeds through their 8-connected region only', () => {
    // 3 x 3: region is the diagonal plus a separate corner; the seed is at the centre.
    const region = Uint8Array.of(1, 0, 1, 0, 1, 0, 0, 0, 0);
    const seeds = Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0, 0);
    expect([...growFromSeeds(seeds, region, 3, 3)]).toEqual([1, 0, 1, 0, 1, 0, 0, 0, 0]);
    const apart = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 1);
    expect([...growFromSeeds(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0), apart, 3, 3)]).toEqual([
      1, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });
});
