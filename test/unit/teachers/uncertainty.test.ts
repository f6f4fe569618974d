import { describe, expect, it } from 'vitest';
import { dice, iou, mean, threshold } from '../../../electron/teachers/metrics.js';
import { disagreement, meanEntropy, reviewQueue } from '../../../electron/teachers/uncertainty.js';

describe('metrics', () => {
  it('Dice and IoU with the empty-ground-truth convention', () => {
    expect(dice([1, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo(2 / 3, 12);
    expect(iou([1, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo(1 / 2, 12);
    expect(dice([0, 0], [0, 0])).toBe(1);
    expect(dice([0, 1], [0, 0])).toBe(0);
    expect(iou([0, 0], [0, 0])).toBe(1);
    expect(dice([0, 0], [255, 0])).toBe(0);
    expect([...threshold([0.5, 0.51, 0.2])]).toEqual([0, 1, 0]);
    expect(mean([1, 0, 0.5])).toBe(0.5);
  });
});

describe('uncertainty', () => {
  const a = Float32Array.from([0.9, 0.9, 0.1, 0.1]);
  const b = Float32Array.from([0.9, 0.1, 0.1, 0.1]);
  it("disagreement = 1 - mean pairwise Dice of the teachers' masks", () => {
    expect(disagreement([a, a])).toBe(0);
    expect(disagreement([a, b])).toBeCloseTo(1 - 2 / 3, 12);
    // Pairs: (a,b) 2/3, (a,empty) 0, (b,empty) 0.
    expect(disagreement([a, b, new Float32Array(4)])).toBeCloseTo(1 - 2 / 9, 12);
    expect(disagreement([a])).toBe(0);
  });

  it('mean binary entropy in bits', () => {
    expect(meanEntropy([0.5, 0.5])).toBeCloseTo(1, 12);
    expect(meanEntropy([0, 1])).toBe(0);
    expect(meanEntropy([0.5, 0])).toBeCloseTo(0.5, 12);
  });

  it('queues the most uncertain first: disagreement, then entropy', () => {
    const q = reviewQueue([
      { key: 'calm', disagreement: 0.1, entropy: 0.9 },
      { key: 'split', disagreement: 0.8, entropy: 0.1 },
      { key: 'unsure', disagreement: 0.1, entropy: 0.95 },
    ]);
    expect(q.map((x) => x.key)).toEqual(['split', 'unsure', 'calm']);
  });
});
