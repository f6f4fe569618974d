// "Select all shown": every match collected a page at a time, with progress, stopping when asked (a new
// filter), and ending on a short page or on the total even when the list changes meanwhile.
import { describe, expect, it } from 'vitest';
import { collectAll, type CollectProgress } from '../../../../renderer/src/virtual/collect-all.js';

const list = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1 }));
const pages =
  (items: { id: number }[], calls: number[] = []) =>
  async (offset: number, limit: number) => {
    calls.push(offset);
    return { items: items.slice(offset, offset + limit), total: items.length };
  };

describe('collectAll', () => {
  it('collects every page, reporting progress after each', async () => {
    const progress: CollectProgress[] = [];
    const calls: number[] = [];
    const ids = await collectAll(
      pages(list(2500), calls),
      (i) => i.id,
      1000,
      (p) => progress.push(p),
      () => false,
    );
    expect(ids).toHaveLength(2500);
    expect(ids![2499]).toBe(2500);
    expect(calls).toEqual([0, 1000, 2000]);
    expect(progress).toEqual([
      { done: 1000, total: 2500 },
      { done: 2000, total: 2500 },
      { done: 2500, total: 2500 },
    ]);
  });

  it('ends on the total when the last page is full, without asking for an empty one', async () => {
    const calls: number[] = [];
    const ids = await collectAll(
      pages(list(2000), calls),
      (i) => i.id,
      1000,
      () => undefined,
      () => false,
    );
    expect(ids).toHaveLength(2000);
    expect(calls).toEqual([0, 1000]);
  });

  it('stops between pages when asked, answering null (the answer would be for an old query)', async () => {
    let stop = false;
    const calls: number[] = [];
    const ids = await collectAll(
      pages(list(5000), calls),
      (i) => i.id,
      1000,
      (p) => (stop = p.done >= 2000),
      () => stop,
    );
    expect(ids).toBeNull();
    expect(calls).toEqual([0, 1000, 2000]);
  });

  it('passes a failed page on to the caller', async () => {
    const failing = async () => {
      throw new Error('connection lost');
    };
    await expect(
      collectAll(
        failing,
        (i: { id: number }) => i.id,
        10,
        () => undefined,
        () => false,
      ),
    ).rejects.toThrow('connection lost');
  });
});
