/**
 * Thumbnails on demand: the screen says which images are visible (`want`), the loader fetches the
 * missing ones in small batches, a few at a time, and keeps the last ones in a bounded cache. An image
 * scrolled away before its batch is sent is never asked for: the queue holds only what is wanted now.
 * (A batch already sent runs to the end; its thumbnails go into the cache.)
 */
// Relative `.js` import: the unit tests type-check this file as Node code too.
import type { Thumbnail } from '../../../shared/dto.js';

export interface ThumbLoaderOptions {
  /** Thumbnails per request: small, so the first ones show quickly. */
  batch?: number;
  /** Requests in flight at once. */
  parallel?: number;
  /** Thumbnails kept; the least recently used go first. */
  capacity?: number;
  /** Thumbnails dropped from the cache (evicted, or all of them on `clear`): what was made of them can go. */
  onDrop?: (imageIds: readonly number[]) => void;
}

export class ThumbLoader {
  private readonly cache = new Map<number, Thumbnail>();
  private queue: number[] = [];
  private readonly inFlight = new Set<number>();
  private running = 0;
  private generation = 0;
  private readonly batch: number;
  private readonly parallel: number;
  readonly capacity: number;
  private readonly onDrop: (imageIds: readonly number[]) => void;

  constructor(
    private readonly fetch: (imageIds: number[]) => Promise<Thumbnail[]>,
    /** A batch arrived: the screen draws these where they are shown (they are in the cache already). */
    private readonly onArrive: (thumbs: readonly Thumbnail[]) => void,
    private readonly onError: (err: unknown) => void,
    opts: ThumbLoaderOptions = {},
  ) {
    this.batch = opts.batch ?? 24;
    this.parallel = opts.parallel ?? 2;
    this.capacity = opts.capacity ?? 2000;
    this.onDrop = opts.onDrop ?? (() => undefined);
  }

  get(imageId: number): Thumbnail | undefined {
    return this.cache.get(imageId);
  }

  get size(): number {
    return this.cache.size;
  }

  /** The images on screen, in the order they should arrive: replaces what was wanted before. */
  want(imageIds: readonly number[]): void {
    this.queue = imageIds.filter((id) => !this.inFlight.has(id) && !this.touch(id));
    this.pump();
  }

  /** Images may have changed (deleted, imported again): forget every thumbnail. */
  clear(): void {
    this.generation++;
    const dropped = [...this.cache.keys()];
    this.cache.clear();
    this.queue = [];
    this.inFlight.clear();
    if (dropped.length) this.onDrop(dropped);
  }

  private touch(id: number): boolean {
    const t = this.cache.get(id);
    if (!t) return false;
    this.cache.delete(id);
    this.cache.set(id, t);
    return true;
  }

  private pump(): void {
    while (this.running < this.parallel && this.queue.length) {
      const ids = this.queue.splice(0, this.batch);
      for (const id of ids) this.inFlight.add(id);
      this.running++;
      const gen = this.generation;
      this.fetch(ids)
        .then((thumbs) => {
          if (gen !== this.generation) return;
          for (const t of thumbs) this.cache.set(t.imageId, t);
          const dropped: number[] = [];
          while (this.cache.size > this.capacity) {
            const oldest = this.cache.keys().next().value!;
            this.cache.delete(oldest);
            dropped.push(oldest);
          }
          if (dropped.length) this.onDrop(dropped);
          this.onArrive(thumbs);
        })
        .catch((err: unknown) => {
          if (gen === this.generation) this.onError(err);
        })
        .finally(() => {
          this.running--;
          if (gen === this.generation) for (const id of ids) this.inFlight.delete(id);
          this.pump();
        });
    }
  }
}
