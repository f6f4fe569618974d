/**
 * Train/validation/test splits by case: all images of one case (patient) land in the same split, so a
 * model is never validated or tested on a patient it has seen. Cases are shuffled with a seed and dealt
 * one by one to the split furthest below its share of images.
 */
import { Rng } from '../../students/rng.js';
export type SplitName = 'train' | 'val' | 'test';
export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export function splitByCase(
  images: readonly { id: number; caseId: string | null }[],
  fractions: SplitFractions,
  seed: number,
): Map<number, SplitName> {
  // An image without a case is a case of its own.
  const cases = new Map<string, number[]>();
  for (const img of images) {
    const key = img.caseId ?? `image:${img.id}`;
    const list = cases.get(key);
    if (list) list.push(img.id);
    else cases.set(key, [img.id]);
  }
  // The trainer's seeded generator: the same seed gives the same splits on every machine.
  const keys = new Rng(seed).shuffle([...cases.keys()].sort());
  const total = images.length;
  const names: SplitName[] = ['train', 'val', 'test'];
  const target = { train: fractions.train * total, val: fractions.val * total, test: fractions.test * total };
  const have = { train: 0, val: 0, test: 0 };
  const out = new Map<number, SplitName>();
  for (const key of keys) {
    const ids = cases.get(key)!;
    // The split with the largest remaining deficit (relative to its target) takes the case.
    let best: SplitName = 'train';
    let bestGap = -Infinity;
    for (const n of names) {
      if (target[n] <= 0) continue;
      const gap = (target[n] - have[n]) / target[n];
      if (gap > bestGap) {
        bestGap = gap;
        best = n;
      }
    }
    have[best] += ids.length;
    for (const id of ids) out.set(id, best);
  }
  return out;
}
