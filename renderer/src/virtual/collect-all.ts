/**
 * Every item of a long server-side list, a page at a time, with progress and a way to stop: "Select all
 * shown" over 50,000 images asks for 50 pages, a second or more, and the person sees how far it is and
 * may change the filter meanwhile (the collection then stops: its answer would be for the old query).
 * Pure (the page fetch is given), for unit tests.
 */
import type { FetchPage } from './page-cache.js';

export interface CollectProgress {
  done: number;
  total: number;
}

/**
 * The items' keys (`key`) of the whole list, or null when `stopped()` became true between two pages.
 * `onProgress` is called after each page.
 */
export async function collectAll<T, K>(
  fetchPage: FetchPage<T>,
  key: (item: T) => K,
  pageSize: number,
  onProgress: (p: CollectProgress) => void,
  stopped: () => boolean,
): Promise<K[] | null> {
  const out: K[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await fetchPage(offset, pageSize);
    if (stopped()) return null;
    for (const item of page.items) out.push(key(item));
    onProgress({ done: out.length, total: page.total });
    // A short page is the last; the total (which may change meanwhile) ends it too.
    if (page.items.length < pageSize || out.length >= page.total) return out;
  }
}
