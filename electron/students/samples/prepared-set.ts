/**
 * The samples a training run reads, at model resolution, by position. In memory (a list of prepared
 * samples) or streamed: read, decoded and resized on demand from a SampleSource, kept in a least-recently
 * -used cache bounded by bytes, with the next batch loading while the current one trains. What `get`
 * returns depends only on the source and the preparation, never on the cache size or on prefetching, so a
 * seeded run gives the same result streamed or not, with any cache.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { prepareSample } from '../dataset.js';
import type { Prepared, PrepareSpec } from './sample.js';
import { ByteLru } from './byte-lru.js';
import type { SampleSource } from './source.js';

export interface PreparedSet {
  readonly length: number;
  /** The samples at these positions, in this order. */
  get(indices: readonly number[]): Promise<Prepared[]>;
  /** A hint that these positions are needed next: starts loading them (never changes what get returns). */
  prefetch(indices: readonly number[]): void;
}

/** Default cache budget: 512 MiB holds 4,096 prepared 128x128 grey samples with their targets. */
export const DEFAULT_CACHE_BYTES = 512 * 2 ** 20;

/**
 * The cache budget when a request names none: APPRENTICE_SAMPLE_CACHE_MB (MiB, 0 = no cache) where it is
 * set, so a site can size it to its machines without a flag on every command; else the default.
 */
export function defaultCacheBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.APPRENTICE_SAMPLE_CACHE_MB;
  if (raw === undefined || raw.trim() === '') return DEFAULT_CACHE_BYTES;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `APPRENTICE_SAMPLE_CACHE_MB must be a number of MiB >= 0, got "${raw}"`,
      { field: 'APPRENTICE_SAMPLE_CACHE_MB' },
    );
  return Math.round(mb * 2 ** 20);
}

export function memorySet(items: readonly Prepared[]): PreparedSet {
  return {
    length: items.length,
    get: (indices) => Promise.resolve(indices.map((i) => items[i]!)),
    prefetch: () => {},
  };
}

export function asPreparedSet(data: readonly Prepared[] | PreparedSet): PreparedSet {
  return Array.isArray(data) ? memorySet(data as readonly Prepared[]) : (data as PreparedSet);
}

export type SampleCache = ByteLru<number, Prepared>;

export function sampleCache(bytes = DEFAULT_CACHE_BYTES): SampleCache {
  return new ByteLru<number, Prepared>(bytes, (p) => p.x.byteLength + p.y.byteLength);
}

export interface StreamingSet extends PreparedSet {
  readonly cache: SampleCache;
  /** Samples read from the source so far (cache misses, prefetches included). */
  readonly loads: number;
}

/**
 * Positions `indices` of `source` (a split's side), prepared with `spec`. Sets built on one source may
 * share a cache (train and validation): it is keyed by the source's own positions.
 */
export function streamingSet(
  source: SampleSource,
  indices: readonly number[],
  spec: PrepareSpec,
  cache: SampleCache = sampleCache(),
): StreamingSet {
  // Loads started by prefetch and not yet taken by get: at most one batch, whatever the cache budget.
  const pending = new Map<number, Promise<Prepared>>();
  let loads = 0;
  const load = (at: number): Promise<Prepared> => {
    loads++;
    return source.load(at).then((s) => {
      const p = prepareSample(s, spec);
      cache.set(at, p);
      return p;
    });
  };
  const take = (k: number): Promise<Prepared> => {
    const at = indices[k]!;
    const started = pending.get(at);
    if (started) {
      pending.delete(at);
      return started;
    }
    const hit = cache.get(at);
    return hit ? Promise.resolve(hit) : load(at);
  };
  return {
    length: indices.length,
    cache,
    get loads() {
      return loads;
    },
    get: (ks) => Promise.all(ks.map(take)),
    prefetch(ks) {
      for (const k of ks) {
        const at = indices[k]!;
        if (pending.has(at) || cache.get(at)) continue;
        const p = load(at);
        // A failed prefetch is reported by the get that takes it, not as an unhandled rejection.
        p.catch(() => {});
        pending.set(at, p);
      }
    },
  };
}
