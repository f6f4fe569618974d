/**
 * Where people should look first: per image, how much the teachers disagree (1 - mean pairwise Dice of
 * their masks) and how unsure the fused label is (mean binary entropy of the fused probability, in bits,
 * 0..1). The review queue puts the most uncertain images first.
 */
import { dice, threshold } from '../engine/metrics/index.js';

export interface Uncertainty {
  /** 1 - mean pairwise Dice of the teachers' masks (p > 0.5); 0 with fewer than two teachers. */
  disagreement: number;
  /** Mean binary entropy (bits) of the fused probability over the image. */
  entropy: number;
}

export function disagreement(maps: readonly Float32Array[]): number {
  if (maps.length < 2) return 0;
  const masks = maps.map((m) => threshold(m));
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < masks.length; a++)
    for (let b = a + 1; b < masks.length; b++) {
      // Symmetric Dice; two empty masks agree completely.
      sum += dice(masks[a]!, masks[b]!);
      pairs++;
    }
  return 1 - sum / pairs;
}

export function meanEntropy(prob: ArrayLike<number>): number {
  if (prob.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (p > 0 && p < 1) s -= p * Math.log2(p) + (1 - p) * Math.log2(1 - p);
  }
  return s / prob.length;
}

export function uncertainty(maps: readonly Float32Array[], fused: ArrayLike<number>): Uncertainty {
  return { disagreement: disagreement(maps), entropy: meanEntropy(fused) };
}

export interface QueueItem<K> extends Uncertainty {
  key: K;
}

/** Most uncertain first: by disagreement, then entropy, then key order for a stable queue. */
export function reviewQueue<K extends string | number>(items: readonly QueueItem<K>[]): QueueItem<K>[] {
  return [...items].sort(
    (a, b) =>
      b.disagreement - a.disagreement ||
      b.entropy - a.entropy ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}
