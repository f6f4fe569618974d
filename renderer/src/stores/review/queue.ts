/**
 * The review queue: the images to review in order (most uncertain first, or by name), which one is on
 * screen, and Accept's move to the next. Opening an image hands it to the edit session. The queue is read
 * from the database a page at a time (a 50,000-image project is never listed whole), and the next image
 * is fetched while the person looks at this one, so that moving on is instant.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ImageListItem, ImagePageFilter } from '@shared/dto';
import { api, errorMessage, isDisconnectedError } from '../../api/client';
import { PageCache } from '../../virtual/page-cache';
import { useReviewSessionStore } from './edit-session';
import {
  acceptedStatus,
  indexAfterDecision,
  queueFilter,
  reviewedChange,
  type QueueScope,
} from './queue-rules';

/** Queue rows per request; the next page is asked for this many images before the end of this one. */
const PAGE = 100;
const PAGE_AHEAD = 10;

export const useReviewQueueStore = defineStore('review-queue', () => {
  const session = useReviewSessionStore();
  const index = ref(-1);
  /**
   * The image last asked for: ahead of `index` while it loads, so that keys pressed in quick succession
   * move on from it (N N N goes three images on, not one three times).
   */
  let target = -1;
  /** Review order: most uncertain first (the teachers disagree most), or by name. */
  const order = ref<'uncertainty' | 'name'>('uncertainty');
  /** The whole dataset, or only the images the teachers labelled (what a pseudo-labelling run links to). */
  const scope = ref<QueueScope>('all');
  /** Whether the queue came from the server: an empty queue is announced only then, not after a failed load. */
  const queueLoaded = ref(false);
  /** Images in the queue, and how many of them have a decision. */
  const length = ref(0);
  const reviewed = ref(0);

  /** Bumped when a page arrives or an item changes: the page cache is plain, readers look again. */
  const version = ref(0);
  const fetchPage = (filter: ImagePageFilter) => (offset: number, limit: number) =>
    api().listImagesPage({ offset, limit, filter, sort: order.value });
  const pages = new PageCache<ImageListItem>(
    fetchPage({}),
    () => version.value++,
    PAGE,
    30,
    (err) => {
      if (!isDisconnectedError(err)) session.error = errorMessage(err);
    },
  );

  /** The queue's item at `i` once its page is in (the sidebar asks for the rows it shows). */
  function itemAt(i: number): ImageListItem | undefined {
    void version.value;
    return pages.get(i);
  }
  const current = computed(() => itemAt(index.value) ?? null);

  function markItem(imageId: number, patch: Partial<ImageListItem>): void {
    pages.patch(
      (x) => x.id === imageId,
      (x) => {
        if (patch.status) reviewed.value += reviewedChange(x.status, patch.status);
        return { ...x, ...patch };
      },
    );
  }
  session.onItemChange(markItem);

  /** The rows [start, end) are on screen (the sidebar's): their pages are fetched, the latest wish first. */
  function ensure(start: number, end: number): void {
    pages.want(start, end);
  }

  /** Loads the queue; on failure the last one stays (a lost connection is shown app-wide, not here). */
  async function loadQueue(datasetId?: number): Promise<void> {
    const filter = queueFilter(datasetId, scope.value);
    pages.reset(fetchPage(filter));
    try {
      // The first page (with the queue's length) and the number still to review, side by side.
      const [, unreviewed] = await Promise.all([
        pages.ensure(0, PAGE),
        api().listImagesPage({ limit: 1, filter: { ...filter, status: 'unreviewed' } }),
      ]);
      length.value = pages.total ?? 0;
      reviewed.value = length.value - unreviewed.total;
    } catch (err) {
      if (!isDisconnectedError(err)) session.error = errorMessage(err);
      return;
    }
    queueLoaded.value = true;
    version.value++;
    if (length.value) await open(Math.min(Math.max(index.value, 0), length.value - 1));
    else {
      index.value = -1;
      target = -1;
      session.clear();
    }
  }

  async function open(i: number): Promise<void> {
    if (i < 0 || i >= length.value) return;
    target = i;
    try {
      await pages.ensure(i, i + 1);
    } catch (err) {
      if (!isDisconnectedError(err)) session.error = errorMessage(err);
      if (target === i) target = index.value;
      return;
    }
    const item = pages.get(i);
    if (!item || target !== i) return; // a later move overtook this one
    const shown = await session.load(item.id, () => (index.value = i));
    if (shown) prefetchAfter(i);
    else if (target === i) target = index.value; // failed: the next move starts from what is shown
  }

  /** Next (+1) or previous (-1) image, from the one last asked for. */
  function step(delta: number): Promise<void> {
    const i = (target >= 0 ? target : index.value) + delta;
    return i >= 0 && i < length.value ? open(i) : Promise.resolve();
  }

  /** The next image (and, near a page's end, the next page) are fetched while this one is on screen. */
  function prefetchAfter(i: number): void {
    if (i + 1 >= length.value) return;
    // Asked for outright (not as a wish the sidebar's next one replaces); a failure shows on opening.
    pages.ensure(i + 1, Math.min(length.value, i + 1 + PAGE_AHEAD)).catch(() => undefined);
    void pages.ensure(i + 1, i + 2).then(
      () => {
        const next = pages.get(i + 1);
        if (next && index.value === i) session.prefetch(next.id);
      },
      () => undefined, // said by ensure() above
    );
  }

  /**
   * Accept: records 'corrected' when the person's edits are what is accepted, then opens the next image
   * of the queue when `advance` (the "after Accept, go to the next image" setting).
   */
  async function accept(advance: boolean): Promise<void> {
    await session.flushed(); // the last stroke is on disk before it is accepted
    const at = index.value;
    const recorded = await session.setReview({ status: acceptedStatus(Boolean(session.edit?.savedAt)) });
    if (!recorded || index.value !== at) return;
    const next = indexAfterDecision(at, length.value, advance);
    if (next !== at) await open(next);
  }

  /** Another project was opened: nothing of this one's may show, in the queue or on screen. */
  function reset(): void {
    session.reset();
    pages.reset();
    length.value = 0;
    reviewed.value = 0;
    version.value++;
    queueLoaded.value = false;
    index.value = -1;
    target = -1;
  }

  return {
    index,
    order,
    scope,
    queueLoaded,
    length,
    reviewed,
    current,
    itemAt,
    ensure,
    loadQueue,
    open,
    step,
    accept,
    reset,
  };
});
