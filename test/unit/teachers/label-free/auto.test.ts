import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../electron/students/rng.js';
import { fuse } from '../../../../electron/teachers/fusion.js';
import {
  autoFuse,
  estimateAutoWeights,
  DEFAULT_AUTO_GUARDS,
} from '../../../../electron/teachers/label-free/auto.js';

/** 30 x 30 image, lesion = the 10 x 10 square at (10, 10); a teacher says `fg` on it, ~0.03 elsewhere. */
const inLesion = (i: number) => {
  const y = Math.floor(i / 30);
  const x = i % 30;
  return y >= 10 && y < 20 && x >= 10 && x < 20;
};
function teacher(fg: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: 900 }, (_, i) => (inLesion(i) ? fg : 0.03) + rng.next() * 0.04);
}

describe('auto fusion (agreement weights, Otsu per image)', () => {
  it('labels the whole lesion when every teacher under-segments, where mean @0.5 labels nothing', () => {
    const rng = new Rng(2);
    const maps = [teacher(0.4, rng), teacher(0.3, rng), teacher(0.35, rng)];
    expect(fuse(maps).mask.reduce((a, b) => a + b, 0)).toBe(0);
    const r = autoFuse(maps, [1 / 3, 1 / 3, 1 / 3]);
    expect(r.threshold).toBeGreaterThanOrEqual(DEFAULT_AUTO_GUARDS.minThreshold);
    expect(r.threshold).toBeLessThan(0.3);
    for (let i = 0; i < 900; i++) expect(r.mask[i]).toBe(inLesion(i) ? 1 : 0);
  });

  it('weighs a teacher that is noise down, estimated on a set of images without labels', () => {
    const rng = new Rng(4);
    const set = Array.from({ length: 5 }, () => [
      teacher(0.8, rng),
      teacher(0.6, rng),
      teacher(0.7, rng),
      Float32Array.from({ length: 900 }, () => rng.next()),
    ]);
    const w = estimateAutoWeights(set);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    for (const k of [0, 1, 2]) expect(w[3]).toBeLessThan(w[k]!);
  });

  it('leaves an image empty when no teacher sees anything, instead of thresholding noise', () => {
    const rng = new Rng(6);
    const nothing = () => Float32Array.from({ length: 900 }, () => rng.next() * 0.05);
    const r = autoFuse([nothing(), nothing()], [0.5, 0.5]);
    expect(r.threshold).toBeNull();
    expect(r.mask.reduce((a, b) => a + b, 0)).toBe(0);
  });
});
