import { describe, expect, it } from 'vitest';
import { fuse, staple } from '../../../electron/teachers/fusion.js';

const f = (...v: number[]) => Float32Array.from(v);

describe('fusion', () => {
  const a = f(0.9, 0.2, 0.6, 0.0);
  const b = f(0.7, 0.4, 0.2, 0.1);
  const c = f(0.8, 0.9, 0.1, 0.2);

  it('mean probability, thresholded (default 0.5 and configurable)', () => {
    const r = fuse([a, b, c]);
    [0.8, 0.5, 0.3, 0.1].forEach((v, i) => expect(r.prob[i]).toBeCloseTo(v, 6));
    expect([...r.mask]).toEqual([1, 0, 0, 0]);
    expect([...fuse([a, b, c], { threshold: 0.25 }).mask]).toEqual([1, 1, 1, 0]);
  });

  it('weighted mean normalizes the weights and refuses bad ones', () => {
    const r = fuse([a, b], { method: 'weighted', weights: [3, 1] });
    expect(r.prob[2]).toBeCloseTo(0.75 * 0.6 + 0.25 * 0.2, 6);
    expect(() => fuse([a, b], { method: 'weighted', weights: [1] })).toThrow(/2 weight/);
    expect(() => fuse([a, b], { method: 'weighted', weights: [0, 0] })).toThrow(/sum to 0/);
    expect(() => fuse([a, b], { method: 'weighted', weights: [-1, 2] })).toThrow(/>= 0/);
  });

  it("majority vote of the teachers' own masks", () => {
    const r = fuse([a, b, c], { method: 'vote' });
    expect([...r.prob].map((v) => Math.round(v * 3))).toEqual([3, 1, 1, 0]);
    expect([...r.mask]).toEqual([1, 0, 0, 0]);
  });

  it('refuses maps of different sizes and an empty list', () => {
    expect(() => fuse([a, f(1)])).toThrow(/differ in size/);
    expect(() => fuse([])).toThrow(/at least one/);
  });
});

describe('STAPLE', () => {
  // 200 pixels: truth = first 100. Two good raters (1 error each), one that marks everything foreground.
  const n = 200;
  const truth = (i: number) => (i < 100 ? 1 : 0);
  const good1 = Float32Array.from({ length: n }, (_, i) => (i === 5 ? 0 : truth(i)));
  const good2 = Float32Array.from({ length: n }, (_, i) => (i === 150 ? 1 : truth(i)));
  const bad = new Float32Array(n).fill(1);

  it('learns which teacher to trust and recovers the truth where the vote of good raters decides', () => {
    const s = staple([good1, good2, bad], n);
    expect(s.specificity[2]).toBeLessThan(0.05);
    expect(s.sensitivity[0]).toBeGreaterThan(0.95);
    expect(s.specificity[0]).toBeGreaterThan(0.95);
    const mask = fuse([good1, good2, bad], { method: 'staple' }).mask;
    let errors = 0;
    for (let i = 0; i < n; i++) if (mask[i] !== truth(i) && i !== 5 && i !== 150) errors++;
    expect(errors).toBe(0);
  });

  it('gives the common mask when all teachers agree, and empty for all-empty masks', () => {
    const m = Float32Array.from({ length: 10 }, (_, i) => (i < 4 ? 0.9 : 0.1));
    expect([...fuse([m, m, m], { method: 'staple' }).mask]).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect([...fuse([new Float32Array(5), new Float32Array(5)], { method: 'staple' }).mask]).toEqual([
      0, 0, 0, 0, 0,
    ]);
  });
});
