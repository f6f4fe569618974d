// Thumbnails on demand: what is wanted now is fetched in small batches, a few requests at a time; what
// scrolled away before its batch went out is never asked for; the cache is bounded.
import { describe, expect, it } from 'vitest';
import type { Thumbnail } from '../../../../shared/dto.js';
import { ThumbLoader } from '../../../../renderer/src/virtual/thumb-loader.js';

const thumb = (imageId: number): Thumbnail => ({ imageId, width: 1, height: 1, pixels: new Uint8Array([1]) });

/** A server whose answers the test releases one request at a time. */
function server() {
  const requests: { ids: number[]; answer: () => void; fail: (e: unknown) => void }[] = [];
  const fetch = (ids: number[]) =>
    new Promise<Thumbnail[]>((resolve, reject) =>
      requests.push({ ids, answer: () => resolve(ids.map(thumb)), fail: reject }),
    );
  return { requests, fetch };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ThumbLoader', () => {
  it('asks in batches, at most `parallel` at once, and never for what is no longer wanted', async () => {
    const s = server();
    const loader = new ThumbLoader(
      s.fetch,
      () => undefined,
      () => undefined,
      { batch: 3, parallel: 2 },
    );
    loader.want([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.requests.map((r) => r.ids)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    // Scrolled on: 7-9 were never sent and are no longer wanted; 20-22 are.
    loader.want([20, 21, 22, 5]);
    s.requests[0]!.answer();
    await tick();
    expect(s.requests.map((r) => r.ids)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [20, 21, 22],
    ]);
    expect(loader.get(2)).toEqual(thumb(2)); // a batch already sent still fills the cache
    s.requests[1]!.answer();
    s.requests[2]!.answer();
    await tick();
    expect(s.requests).toHaveLength(3);
    expect(loader.get(21)).toBeDefined();
    loader.want([1, 2, 21]);
    expect(s.requests).toHaveLength(3); // all cached
  });

  it('keeps at most `capacity` thumbnails, dropping the least recently wanted', async () => {
    const s = server();
    const loader = new ThumbLoader(
      s.fetch,
      () => undefined,
      () => undefined,
      { batch: 10, capacity: 4 },
    );
    loader.want([1, 2, 3]);
    s.requests[0]!.answer();
    await tick();
    loader.want([1]); // touched
    loader.want([4, 5]);
    s.requests[1]!.answer();
    await tick();
    expect(loader.size).toBe(4);
    expect(loader.get(2)).toBeUndefined();
    expect(loader.get(1)).toBeDefined();
  });

  it('reports a failed batch and asks again when it is wanted again', async () => {
    const s = server();
    const errors: unknown[] = [];
    const loader = new ThumbLoader(
      s.fetch,
      () => undefined,
      (e) => errors.push(e),
      { batch: 5 },
    );
    loader.want([1, 2]);
    s.requests[0]!.fail(new Error('gone'));
    await tick();
    expect(errors).toHaveLength(1);
    loader.want([1, 2]);
    expect(s.requests).toHaveLength(2);
  });

  it('says which thumbnails it dropped, evicted or cleared, so that what was made of them can go', async () => {
    const s = server();
    const dropped: number[][] = [];
    const loader = new ThumbLoader(
      s.fetch,
      () => undefined,
      () => undefined,
      { batch: 10, capacity: 2, onDrop: (ids) => dropped.push([...ids]) },
    );
    loader.want([1, 2, 3]);
    s.requests[0]!.answer();
    await tick();
    expect(dropped).toEqual([[1]]);
    loader.clear();
    expect(dropped).toEqual([[1], [2, 3]]);
  });

  it('hands each arrived batch to the screen', async () => {
    const s = server();
    const arrived: number[][] = [];
    const loader = new ThumbLoader(
      s.fetch,
      (ts) => arrived.push(ts.map((t) => t.imageId)),
      () => undefined,
      { batch: 2 },
    );
    loader.want([4, 5, 6]);
    s.requests[0]!.answer();
    s.requests[1]!.answer();
    await tick();
    expect(arrived).toEqual([[4, 5], [6]]);
  });

  it('forgets everything on clear, including answers still on their way', async () => {
    const s = server();
    let changes = 0;
    const loader = new ThumbLoader(
      s.fetch,
      () => changes++,
      () => undefined,
      { batch: 5 },
    );
    loader.want([1]);
    loader.clear();
    s.requests[0]!.answer();
    await tick();
    expect(loader.get(1)).toBeUndefined();
    expect(changes).toBe(0);
  });
});
