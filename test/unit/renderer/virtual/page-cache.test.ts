// Pages of a long list fetched as the screen reaches them: each page once, a bounded number kept, and the
// pages of an old query dropped when they arrive after a new one.
import { describe, expect, it } from 'vitest';
import { PageCache, type ListPage } from '../../../../renderer/src/virtual/page-cache.js';

function source(total: number) {
  const calls: [number, number][] = [];
  const fetch = async (offset: number, limit: number): Promise<ListPage<number>> => {
    calls.push([offset, limit]);
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, k) => offset + k);
    return { items, total };
  };
  return { calls, fetch };
}

describe('PageCache', () => {
  it('fetches the pages covering a range once, and reads items from them', async () => {
    const s = source(1000);
    let changes = 0;
    const c = new PageCache(s.fetch, () => changes++, 100, 10);
    expect(c.get(5)).toBeUndefined();
    await Promise.all([c.ensure(150, 320), c.ensure(150, 320)]);
    expect(s.calls).toEqual([
      [100, 100],
      [200, 100],
      [300, 100],
    ]);
    expect(c.get(150)).toBe(150);
    expect(c.get(399)).toBe(399);
    expect(c.get(99)).toBeUndefined();
    expect(c.total).toBe(1000);
    expect(changes).toBe(3);
    await c.ensure(200, 300);
    expect(s.calls).toHaveLength(3);
  });

  it('keeps at most its capacity of pages, dropping the least recently used', async () => {
    const s = source(10_000);
    const c = new PageCache(s.fetch, () => undefined, 10, 3);
    await c.ensure(0, 10);
    await c.ensure(10, 20);
    await c.ensure(0, 10); // touched: page 1 is now the oldest
    await c.ensure(20, 30);
    await c.ensure(30, 40);
    expect(c.get(0)).toBe(0);
    expect(c.get(15)).toBeUndefined();
    expect(c.get(25)).toBe(25);
    expect(c.get(35)).toBe(35);
  });

  it('drops a page of the old query that arrives after a reset', async () => {
    let release!: () => void;
    const slow = (offset: number): Promise<ListPage<string>> =>
      new Promise((resolve) => (release = () => resolve({ items: [`old-${offset}`], total: 1 })));
    const c = new PageCache<string>(slow, () => undefined, 1, 5);
    const pending = c.ensure(0, 1);
    c.reset(async (offset) => ({ items: [`new-${offset}`], total: 1 }));
    release();
    await pending;
    expect(c.get(0)).toBeUndefined();
    await c.ensure(0, 1);
    expect(c.get(0)).toBe('new-0');
  });

  it('shows the old pages after a reset that keeps them, until the first new page arrives', async () => {
    const c = new PageCache<string>(
      async () => ({ items: ['a'], total: 1 }),
      () => undefined,
      1,
      5,
    );
    await c.ensure(0, 1);
    c.reset(async () => ({ items: ['b'], total: 1 }), true);
    expect(c.get(0)).toBe('a');
    expect(c.total).toBe(1);
    await c.ensure(0, 1);
    expect(c.get(0)).toBe('b');
    c.reset(undefined, false);
    expect(c.get(0)).toBeUndefined();
    expect(c.total).toBeNull();
  });

  it('patches a cached item in place', async () => {
    const s = source(20);
    let changes = 0;
    const c = new PageCache(s.fetch, () => changes++, 10, 5);
    await c.ensure(0, 20);
    c.patch(
      (x) => x === 13,
      (x) => x * 100,
    );
    expect(c.get(13)).toBe(1300);
    expect(changes).toBe(3);
  });

  it('passes a failed fetch on, and fetches that page again next time', async () => {
    let fail = true;
    const c = new PageCache<number>(
      async () => {
        if (fail) throw new Error('connection lost');
        return { items: [7], total: 1 };
      },
      () => undefined,
      1,
      5,
    );
    await expect(c.ensure(0, 1)).rejects.toThrow('connection lost');
    fail = false;
    await c.ensure(0, 1);
    expect(c.get(0)).toBe(7);
  });
});

describe('PageCache.want', () => {
  /** A server whose answers the test releases. */
  function held() {
    const asked: { offset: number; answer: () => void; fail: () => void }[] = [];
    const fetch = (offset: number, limit: number) =>
      new Promise<ListPage<number>>((resolve, reject) =>
        asked.push({
          offset,
          answer: () =>
            resolve({ items: Array.from({ length: limit }, (_, k) => offset + k), total: 100_000 }),
          fail: () => reject(new Error('gone')),
        }),
      );
    return { asked, fetch };
  }
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('fetches only what is on screen at the end of a fast scroll, two requests at a time', async () => {
    const s = held();
    const c = new PageCache(
      s.fetch,
      () => undefined,
      100,
      10,
      () => undefined,
      2,
    );
    for (let top = 0; top < 50_000; top += 700) c.want(top, top + 300); // a scroll through, one wish a frame
    c.want(80_000, 80_300);
    // The first wish's two pages went out at once; nothing else until they are answered.
    expect(s.asked.map((a) => a.offset)).toEqual([0, 100]);
    s.asked[0]!.answer();
    s.asked[1]!.answer();
    await tick();
    await tick();
    // Then only the pages under the last wish: none of the hundreds passed on the way.
    expect(s.asked.map((a) => a.offset)).toEqual([0, 100, 80_000, 80_100]);
    s.asked[2]!.answer();
    s.asked[3]!.answer();
    await tick();
    expect(s.asked.map((a) => a.offset)).toEqual([0, 100, 80_000, 80_100, 80_200]);
    s.asked[4]!.answer();
    await tick();
    expect(c.get(80_250)).toBe(80_250);
    expect(c.get(40_000)).toBeUndefined();
  });

  it('reports a failed page and asks for it again on the next wish', async () => {
    const s = held();
    const errors: unknown[] = [];
    const c = new PageCache(
      s.fetch,
      () => undefined,
      100,
      10,
      (e) => errors.push(e),
      2,
    );
    c.want(0, 50);
    s.asked[0]!.fail();
    await tick();
    await tick();
    expect(errors).toHaveLength(1);
    c.want(0, 50);
    expect(s.asked).toHaveLength(2);
  });
});
