import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../electron/students/rng.js';
import { staple } from '../../../../electron/teachers/fusion.js';
import {
  binaryStaplePosterior,
  fitBinaryStaple,
  fitSoftStaple,
  meanDecision,
  softStaple,
  softStaplePosterior,
} from '../../../../electron/teachers/label-free/staple-soft.js';

const n = 200;
const truth = (i: number) => (i < 100 ? 1 : 0);

describe('STAPLE over a set of images, and on probability maps', () => {
  const good1 = Float32Array.from({ length: n }, (_, i) => (i === 5 ? 0 : truth(i)));
  const good2 = Float32Array.from({ length: n }, (_, i) => (i === 150 ? 1 : truth(i)));
  const bad = new Float32Array(n).fill(1);
  const rng = new Rng(11);
  const soft = (acc: number) =>
    Float32Array.from({ length: n }, (_, i) => (truth(i) ? acc : 1 - acc) + (rng.next() - 0.5) * 0.2);
  const noise = Float32Array.from({ length: n }, () => rng.next());

  it('binary STAPLE fitted on one image is fusion.ts STAPLE to numerical precision', () => {
    const ref = staple([good1, good2, bad], n);
    const fit = fitBinaryStaple([[good1, good2, bad]]);
    const post = binaryStaplePosterior([good1, good2, bad], fit);
    for (let k = 0; k < 3; k++) {
      expect(fit.sensitivity[k]).toBeCloseTo(ref.sensitivity[k]!, 4);
      expect(fit.specificity[k]).toBeCloseTo(ref.specificity[k]!, 4);
    }
    for (let i = 0; i < n; i++) expect(post[i]).toBeCloseTo(ref.prob[i]!, 3);
  });

  it('binary STAPLE fed probabilities as fractional votes drifts to the uninformative 0.5 (why soft STAPLE exists)', () => {
    const fit = fitBinaryStaple([[soft(0.8), soft(0.7)]]);
    for (const v of [...fit.sensitivity, ...fit.specificity]) expect(Math.abs(v - 0.5)).toBeLessThan(0.05);
  });

  it('soft STAPLE finds that a noise teacher separates nothing and follows the good ones', () => {
    const fit = softStaple([soft(0.8), soft(0.7), noise]);
    const separation = fit.fg.mean.map((m, k) => m - fit.bg.mean[k]!);
    expect(Math.abs(separation[2]!)).toBeLessThan(0.1);
    expect(separation[0]).toBeGreaterThan(0.5);
    expect(separation[1]).toBeGreaterThan(0.3);
    let errors = 0;
    for (let i = 0; i < n; i++) if ((fit.prob[i]! > 0.5 ? 1 : 0) !== truth(i)) errors++;
    expect(errors).toBe(0);
  });

  it("fits one model on a set of images (strided) that labels an under-confident teacher's lesions whole", () => {
    const r = new Rng(5);
    const image = (fgFrom: number) => {
      const t = (i: number) => (i >= fgFrom && i < fgFrom + 60 ? 1 : 0);
      // Both teachers find the lesion but say 0.3-0.4 on it: at 0.5 neither marks anything.
      const a = Float32Array.from({ length: n }, (_, i) => (t(i) ? 0.3 : 0.02) + r.next() * 0.05);
      const b = Float32Array.from({ length: n }, (_, i) => (t(i) ? 0.35 : 0.05) + r.next() * 0.05);
      return { maps: [a, b], t };
    };
    const set = [image(0), image(70), image(130)];
    const fit = fitSoftStaple(
      set.map((s) => s.maps),
      { stride: 2 },
    );
    expect(fit.iterations).toBeGreaterThan(1);
    expect(fit.fg.mean[0]).toBeGreaterThan(0.28);
    expect(fit.fg.mean[0]).toBeLessThan(0.4);
    for (const s of set) {
      const post = softStaplePosterior(s.maps, fit);
      for (let i = 0; i < n; i++) expect(post[i]! > 0.5 ? 1 : 0).toBe(s.t(i));
    }
  });

  it('leaves an image no teacher marks empty and refuses mismatched inputs', () => {
    const empty = [new Float32Array(4), new Float32Array(4)];
    expect(meanDecision(empty)).toBe(0);
    expect([...softStaple(empty).prob]).toEqual([0, 0, 0, 0]);
    const params = { sensitivity: [0.9, 0.9], specificity: [0.9, 0.9] };
    expect(() => binaryStaplePosterior([new Float32Array(4)], params)).toThrow(/2 teachers, 1 maps/);
    expect(() => fitSoftStaple([[new Float32Array(2)], [new Float32Array(2), new Float32Array(2)]])).toThrow(
      /different teachers/,
    );
    expect(() => softStaple([new Float32Array(2), new Float32Array(3)])).toThrow(/differ in size/);
  });
});
