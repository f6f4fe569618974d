import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../electron/students/rng.js';
import {
  agreementScores,
  meanAgreement,
  mostAgreeingTeacher,
  softDice,
  weightsFromAgreement,
} from '../../../../electron/teachers/label-free/agreement-weights.js';

/** 40 x 40 map: a disc of radius 10 (the truth) with a teacher's blur/noise. */
function teacherMap(noise: number, rng: Rng, pureNoise = false): Float32Array {
  return Float32Array.from({ length: 1600 }, (_, i) => {
    if (pureNoise) return rng.next();
    const y = Math.floor(i / 40) - 20;
    const x = (i % 40) - 20;
    const fg = x * x + y * y < 100 ? 0.9 : 0.1;
    return Math.min(1, Math.max(0, fg + (rng.next() - 0.5) * noise));
  });
}

describe('teacher reliability from agreement (no labels)', () => {
  it('soft Dice is 1 for identical maps, 0 for disjoint ones, 1 for two empty maps', () => {
    expect(softDice(Float32Array.of(1, 0.5), Float32Array.of(1, 0.5))).toBeCloseTo((2 * 1.25) / 3, 6);
    expect(softDice(Float32Array.of(1, 0), Float32Array.of(0, 1))).toBe(0);
    expect(softDice(new Float32Array(3), new Float32Array(3))).toBe(1);
    expect(() => softDice(new Float32Array(2), new Float32Array(3))).toThrow(/2 and 3/);
  });

  it('gives a teacher that is noise a low weight and the good teachers the rest', () => {
    const rng = new Rng(7);
    const maps = [teacherMap(0.2, rng), teacherMap(0.3, rng), teacherMap(0.4, rng), teacherMap(0, rng, true)];
    const scores = agreementScores(maps);
    for (const k of [0, 1, 2]) expect(scores[3]).toBeLessThan(scores[k]! - 0.1);
    const w = weightsFromAgreement(scores, 4);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(w[3]).toBeLessThan(0.1);
    for (const k of [0, 1, 2]) expect(w[3]).toBeLessThan(w[k]! / 4);
    // A higher power trusts agreement more: power 1 still gives the noise teacher more than power 4.
    expect(weightsFromAgreement(scores, 1)[3]).toBeGreaterThan(w[3]!);
    expect(mostAgreeingTeacher(maps)).not.toBe(3);
  });

  it('averages per-image scores into per-teacher weights; power 0 is the plain mean', () => {
    expect(
      meanAgreement([
        [0.2, 0.8],
        [0.4, 0.6],
      ]),
    ).toEqual([0.30000000000000004, 0.7]);
    expect(weightsFromAgreement([0.2, 0.8], 0)).toEqual([0.5, 0.5]);
    expect(weightsFromAgreement([0, 0])).toEqual([0.5, 0.5]);
    expect(weightsFromAgreement([1, 3])).toEqual([0.25, 0.75]);
    expect(() => weightsFromAgreement([-1, 1])).toThrow(/>= 0/);
    expect(() => meanAgreement([[1], [1, 2]])).toThrow(/different teachers/);
    expect(agreementScores([Float32Array.of(0.3)])).toEqual([1]);
  });
});
