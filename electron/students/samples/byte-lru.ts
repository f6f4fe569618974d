/**
 * A least-recently-used cache bounded by bytes, not entries: prepared samples differ in size with the
 * model's input, so a count would bound nothing. An entry larger than the whole budget is not kept.
 */
export class ByteLru<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private used = 0;
  private peak = 0;

  constructor(
    readonly budget: number,
    private readonly sizeOf: (v: V) => number,
  ) {
    if (!(budget >= 0)) throw new RangeError(`cache budget must be >= 0 bytes, got ${budget}`);
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    // Re-inserting moves the entry to the young end of the Map's insertion order.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: K, value: V): void {
    const bytes = this.sizeOf(value);
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.used -= old.bytes;
    }
    if (bytes > this.budget) return;
    while (this.used + bytes > this.budget) {
      const [oldestKey, oldest] = this.map.entries().next().value as [K, { bytes: number }];
      this.map.delete(oldestKey);
      this.used -= oldest.bytes;
    }
    this.map.set(key, { value, bytes });
    this.used += bytes;
    this.peak = Math.max(this.peak, this.used);
  }

  get bytes(): number {
    return this.used;
  }

  /** The most bytes held at any time (for tests and benchmarks: never above the budget). */
  get peakBytes(): number {
    return this.peak;
  }

  get size(): number {
    return this.map.size;
  }
}
