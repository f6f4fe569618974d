/**
 * The review queue: the images to review in order (most uncertain first, or by name), which one is on
 * screen, and Accept's move to the next. Opening an image hands it to the edit session.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ImageListItem } from '@shared/dto';
import { api, errorMessage, isDisconnectedError } from '../../api/client';
import { useReviewSessionStore } from './edit-session';
import { acceptedStatus, indexAfterDecision, queueOf, reviewedCount, type QueueScope } from './queue-rules';

export const useReviewQueueStore = defineStore('review-queue', () => {
  const session = useReviewSessionStore();
  const items = ref<ImageListItem[]>([]);
  const index = ref(-1);
  /** Review order: most uncertain first (the teachers disagree most), or by name. */
  const order = ref<'uncertainty' | 'name'>('uncertainty');
  /** The whole dataset, or only the images the teachers labelled (what a pseudo-labelling run links to). */
  const scope = ref<QueueScope>('all');
  /** Whether `items` came from the server: an empty queue is announced only then, not after a failed load. */
  const queueLoaded = ref(false);

  const current = computed(() => items.value[index.value] ?? null);
  const reviewed = computed(() => reviewedCount(items.value));

  function markItem(imageId: number, patch: Partial<ImageListItem>): void {
    items.value = items.value.map((x) => (x.id === imageId ? { ...x, ...patch } : x));
  }
  session.onItemChange(markItem);

  /** Loads the queue; on failure the last one stays (a lost connection is shown app-wide, not here). */
  async function loadQueue(datasetId?: number): Promise<void> {
    let listed: ImageListItem[];
    try {
      listed = await api().listImages({
        order: order.value,
        ...(datasetId === undefined ? {} : { datasetId }),
      });
    } catch (err) {
      if (!isDisconnectedError(err)) session.error = errorMessage(err);
      return;
    }
    items.value = queueOf(listed, scope.value);
    queueLoaded.value = true;
    if (items.value.length) await open(Math.min(Math.max(index.value, 0), items.value.length - 1));
    else {
      index.value = -1;
      session.clear();
    }
  }

  async function open(i: number): Promise<void> {
    const item = items.value[i];
    if (!item) return;
    await session.load(item.id, () => (index.value = i));
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
    const next = indexAfterDecision(at, items.value.length, advance);
    if (next !== at) await open(next);
  }

  /** Another project was opened: nothing of this one's may show, in the queue or on screen. */
  function reset(): void {
    session.reset();
    items.value = [];
    queueLoaded.value = false;
    index.value = -1;
  }

  return { items, index, order, scope, queueLoaded, current, reviewed, loadQueue, open, accept, reset };
});
