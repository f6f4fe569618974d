import { describe, expect, it } from 'vitest';
import { splitByCase } from '../../../../electron/services/curation/splits.js';
import { Rng } from '../../../../electron/students/rng.js';

describe('splits by case', () => {
  const images = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, caseId: `case${Math.floor(i / 3)}` }));

  it('never puts two images of one case in different splits', () => {
    const s = splitByCase(images, { train: 0.7, val: 0.15, test: 0.15 }, 42);
    const byCase = new Map<string, Set<string>>();
    for (const img of images) {
      const set = byCase.get(img.caseId) ?? new Set();
      set.add(s.get(img.id)!);
      byCase.set(img.caseId, set);
    }
    for (const set of byCase.values()) expect(set.size).toBe(1);
  });

  it('meets the fractions to within one case, and is the same for the same seed', () => {
    const s = splitByCase(images, { train: 0.7, val: 0.15, test: 0.15 }, 7);
    const count = (n: string) => [...s.values()].filter((v) => v === n).length;
    expect(Math.abs(count('train') - 210)).toBeLessThanOrEqual(3);
    expect(Math.abs(count('val') - 45)).toBeLessThanOrEqual(3);
    expect(Math.abs(count('test') - 45)).toBeLessThanOrEqual(3);
    expect([...splitByCase(images, { train: 0.7, val: 0.15, test: 0.15 }, 7)]).toEqual([...s]);
    expect([...splitByCase(images, { train: 0.7, val: 0.15, test: 0.15 }, 8)]).not.toEqual([...s]);
  });

  it('treats an image without a case as its own case, and honours a zero fraction', () => {
    const loose = [1, 2, 3, 4].map((id) => ({ id, caseId: null }));
    const s = splitByCase(loose, { train: 0.5, val: 0.5, test: 0 }, 1);
    expect([...s.values()].filter((v) => v === 'test')).toEqual([]);
    expect([...s.values()].filter((v) => v === 'train')).toHaveLength(2);
  });

  it('draws reproducible numbers in [0, 1)', () => {
    const ga = new Rng(123);
    const gb = new Rng(123);
    const a = () => ga.next();
    const b = () => gb.next();
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
