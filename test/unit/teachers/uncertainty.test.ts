import { describe, expect, it } from 'vitest';
import { disagreement, meanEntropy, reviewQueue } from '../../../electron/teachers/uncertainty.js';

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
