/**
 * Pages of a long server-side list, fetched as the screen reaches them and kept in a bounded cache: a
 * 50,000-image list is never loaded whole. A new query (`reset`) starts a new generation: pages still in
 * flight from the old one are dropped when they arrive. Plain class (not reactive): `onChange` tells the
 * screen to read it again.
 *
 * Two ways to ask: `ensure` (this range, awaited: the image to open) and `want` (the range on screen now,
 * replacing the last wish: while a grid scrolls fast, only the pages under it at the end are fetched, a
 * few requests at a time, instead of every page it passed queuing at the server ahead of the next filter).
 */

export interface ListPage<T> {
  items: T[];
  /** How many items the whole list holds now. */
  total: number;
}

export type FetchPage<T> = (offset: number, limit: number) => Promise<ListPage<T>>;

export class PageCache<T> {
  private pages = new Map<number, T[]>();
  /** The last generation's pages, shown until the first page of the new one arrives (no flash of empty). */
  private stale: Map<number, T[]> | null = null;
  private inFlight = new Map<number, Promise<void>>();
  /** Pages on screen not fetched yet, latest wish only. */
  private wanted: number[] = [];
  private generation = 0;
  /** The whole list's length, null before the first page of this generation arrives. */
  total: number | null = null;

  constructor(
    private fetchPage: FetchPage<T>,
    private readonly onChange: () => void,
    readonly pageSize = 200,
    /** Pages kept; the least recently used go first. */
    private readonly maxPages = 40,
    /** A page that `want` asked for could not be fetched (it is asked for again on the next wish). */
    private readonly onError: (err: unknown) => void = () => undefined,
    /** Requests in flight at once for `want`. */
    private readonly parallel = 2,
  ) {}

  /**
   * A new query: everything cached or in flight belongs to the old one. With `keepStale` (the same query
   * after a change of its items) the old pages and total stay readable until the first new page arrives.
   */
  reset(fetchPage?: FetchPage<T>, keepStale = false): void {
    if (fetchPage) this.fetchPage = fetchPage;
    this.generation++;
    this.stale = keepStale && this.pages.size ? this.pages : null;
    this.pages = new Map();
    this.inFlight.clear();
    this.wanted = [];
    if (!this.stale) this.total = null;
  }

  get(index: number): T | undefined {
    const p = Math.floor(index / this.pageSize);
    const page = this.pages.get(p) ?? this.stale?.get(p);
    return page?.[index % this.pageSize];
  }

  /** Fetches the pages covering items [start, end) that are not cached yet; resolves when they are in. */
  async ensure(start: number, end: number): Promise<void> {
    const waits = this.pageRange(start, end)
      .filter((p) => !this.touch(p))
      .map((p) => this.inFlight.get(p) ?? this.load(p));
    await Promise.all(waits);
  }

  /** The range on screen now: its missing pages are fetched, a few at a time; earlier wishes are dropped. */
  want(start: number, end: number): void {
    this.wanted = this.pageRange(start, end).filter((p) => !this.touch(p) && !this.inFlight.has(p));
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < this.parallel && this.wanted.length) {
      const p = this.wanted.shift()!;
      if (this.pages.has(p) || this.inFlight.has(p)) continue;
      this.load(p).then(
        () => this.pump(),
        (err: unknown) => {
          this.onError(err);
          this.pump();
        },
      );
    }
  }

  private pageRange(start: number, end: number): number[] {
    const first = Math.floor(Math.max(0, start) / this.pageSize);
    const last = Math.max(first, Math.ceil(end / this.pageSize) - 1);
    return Array.from({ length: last - first + 1 }, (_, k) => first + k);
  }

  /** Whether page `p` is cached; marks it most recently used. */
  private touch(p: number): boolean {
    const cached = this.pages.get(p);
    if (!cached) return false;
    this.pages.delete(p);
    this.pages.set(p, cached);
    return true;
  }

  /** Changes a cached item in place (a decision, a tag) without fetching its page again. */
  patch(match: (item: T) => boolean, update: (item: T) => T): void {
    let changed = false;
    for (const [p, items] of this.pages) {
      const k = items.findIndex(match);
      if (k < 0) continue;
      const next = items.slice();
      next[k] = update(items[k]!);
      this.pages.set(p, next);
      changed = true;
    }
    if (changed) this.onChange();
  }

  private load(p: number): Promise<void> {
    const gen = this.generation;
    const done = this.fetchPage(p * this.pageSize, this.pageSize)
      .then((page) => {
        if (gen !== this.generation) return;
        this.stale = null;
        this.pages.set(p, page.items);
        this.total = page.total;
        while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value!);
        this.onChange();
      })
      .finally(() => {
        if (gen === this.generation) this.inFlight.delete(p);
      });
    this.inFlight.set(p, done);
    return done;
  }
}
