/**
 * The review session: the queue of images, the one on screen, its mask layers and the mask being
 * corrected. Every stroke is saved as one undo step, in order, and the UI shows whether the last one
 * is on disk yet ("saving" / "saved").
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ImageListItem, ImageMasks, ImagePixels, MaskEditState, ReviewStateName } from '@shared/dto';
import { api, errorMessage, isDisconnectedError } from '../api/client';
import { acceptedStatus, indexAfterDecision, queueOf, reviewedCount, type QueueScope } from './review-queue';

/** Drawing tools: brush/eraser strokes, lasso fill and cut, flood fill at a click. */
export type Tool = 'brush' | 'eraser' | 'lasso' | 'lasso-cut' | 'fill';
export type SaveState = 'idle' | 'saving' | 'saved' | 'error';

export const MIN_RADIUS = 1;
export const MAX_RADIUS = 128;

export const useReviewStore = defineStore('review', () => {
  const items = ref<ImageListItem[]>([]);
  const index = ref(-1);
  const image = shallowRef<ImagePixels | null>(null);
  const masks = shallowRef<ImageMasks | null>(null);
  /** The mask under correction, painted in place; `maskVersion` tells the viewer it changed wholesale. */
  const working = shallowRef<Uint8Array | null>(null);
  const maskVersion = ref(0);
  const edit = ref<MaskEditState | null>(null);
  const saveState = ref<SaveState>('idle');
  const error = ref<string | null>(null);
  const loading = ref(false);
  const tool = ref<Tool>('brush');
  const radius = ref(8);
  const showGroundTruth = ref(true);
  const showMask = ref(true);
  /** Teachers whose outlines are hidden (by id); all are shown by default. */
  const hiddenTeachers = ref<Set<number>>(new Set());
  const showDisagreement = ref(false);
  /** The threshold-gated brush: paint only within this intensity range (null = everywhere). */
  const gate = ref<{ min: number; max: number } | null>(null);

  const current = computed(() => items.value[index.value] ?? null);
  const reviewed = computed(() => reviewedCount(items.value));

  /** Saves run one after another so that undo steps keep the order of the strokes. */
  let queue: Promise<void> = Promise.resolve();
  let loadSeq = 0;

  /** Review order: most uncertain first (the teachers disagree most), or by name. */
  const order = ref<'uncertainty' | 'name'>('uncertainty');
  /** The whole dataset, or only the images the teachers labelled (what a pseudo-labelling run links to). */
  const scope = ref<QueueScope>('all');
  /** Whether `items` came from the server: an empty queue is announced only then, not after a failed load. */
  const queueLoaded = ref(false);

  /** Loads the queue; on failure the last one stays (a lost connection is shown app-wide, not here). */
  async function loadQueue(datasetId?: number): Promise<void> {
    let listed: ImageListItem[];
    try {
      listed = await api().listImages({
        order: order.value,
        ...(datasetId === undefined ? {} : { datasetId }),
      });
    } catch (err) {
      if (!isDisconnectedError(err)) error.value = errorMessage(err);
      return;
    }
    items.value = queueOf(listed, scope.value);
    queueLoaded.value = true;
    if (items.value.length) await open(Math.min(Math.max(index.value, 0), items.value.length - 1));
    else {
      index.value = -1;
      image.value = null;
      masks.value = null;
      working.value = null;
    }
  }

  async function open(i: number): Promise<void> {
    const item = items.value[i];
    if (!item) return;
    const seq = ++loadSeq;
    loading.value = true;
    error.value = null;
    try {
      const [img, m] = await Promise.all([
        api().getImage({ imageId: item.id }),
        api().getMasks({ imageId: item.id }),
      ]);
      if (seq !== loadSeq) return; // a later switch won
      index.value = i;
      image.value = img;
      applyMasks(m);
      saveState.value = m.edit.savedAt ? 'saved' : 'idle';
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      if (seq === loadSeq) loading.value = false;
    }
  }

  function applyMasks(m: ImageMasks): void {
    masks.value = m;
    edit.value = m.edit;
    working.value = baseMask(m, m.corrected);
    maskVersion.value++;
  }

  /** What the person corrects: their last saved state, else the teachers' pseudo-label, else nothing. */
  function baseMask(m: ImageMasks, corrected: Uint8Array | null): Uint8Array {
    const img = image.value!;
    // Corrections are kept as 0/255 whatever the source's label values (pseudo-labels are 0/1).
    if (corrected) return corrected.map((v) => (v ? 255 : 0));
    if (m.pseudoLabel) return m.pseudoLabel.map((v) => (v ? 255 : 0));
    return new Uint8Array(img.rows * img.cols);
  }

  /**
   * Applies a whole-mask operation (fill holes, dilate, lasso...) to the working mask and saves the
   * result as one undo step named after the operation.
   */
  function applyOp(
    name: string,
    op: (mask: Uint8Array, rows: number, cols: number) => Uint8Array,
    params: Record<string, unknown> = {},
  ): Promise<void> {
    const img = image.value;
    const mask = working.value;
    if (!img || !mask) return queue;
    working.value = op(mask, img.rows, img.cols);
    maskVersion.value++;
    return commitStroke(params, name);
  }

  function commitStroke(params: Record<string, unknown>, toolName: string = tool.value): Promise<void> {
    const img = image.value;
    const mask = working.value;
    if (!img || !mask) return queue;
    const snapshot = mask.slice();
    const imageId = img.id;
    saveState.value = 'saving';
    queue = queue.then(async () => {
      try {
        const state = await api().saveMaskEdit({ imageId, mask: snapshot, tool: toolName, params });
        if (image.value?.id === imageId) {
          edit.value = state;
          saveState.value = 'saved';
        }
        // An edit, not a decision: the status stays until the reviewer accepts or rejects.
        markItem(imageId, { hasCorrection: state.savedAt !== null });
      } catch (err) {
        saveState.value = 'error';
        error.value = `Not saved: ${errorMessage(err)}`;
      }
    });
    return queue;
  }

  async function step(direction: 'undo' | 'redo'): Promise<void> {
    await queue;
    const img = image.value;
    const m = masks.value;
    if (!img || !m) return;
    if (direction === 'undo' ? !edit.value?.canUndo : !edit.value?.canRedo) return;
    try {
      const r =
        direction === 'undo'
          ? await api().undoMaskEdit({ imageId: img.id })
          : await api().redoMaskEdit({ imageId: img.id });
      if (image.value?.id !== img.id) return;
      edit.value = r.edit;
      markItem(img.id, { hasCorrection: r.edit.savedAt !== null });
      working.value = baseMask(m, r.mask);
      maskVersion.value++;
      saveState.value = 'saved';
    } catch (err) {
      error.value = errorMessage(err);
    }
  }

  /** Records a decision, flag or note for the image on screen; false (with the error shown) when refused. */
  async function setReview(patch: {
    status?: ReviewStateName;
    flagged?: boolean;
    note?: string;
  }): Promise<boolean> {
    const img = image.value;
    const m = masks.value;
    if (!img || !m) return false;
    try {
      const r = await api().setReview({ imageId: img.id, ...patch });
      if (image.value?.id === img.id) masks.value = { ...m, review: r };
      markItem(img.id, { status: r.status, flagged: r.flagged });
      return true;
    } catch (err) {
      error.value = errorMessage(err);
      return false;
    }
  }

  /**
   * Accept: records 'corrected' when the person's edits are what is accepted, then opens the next image
   * of the queue when `advance` (the "after Accept, go to the next image" setting).
   */
  async function accept(advance: boolean): Promise<void> {
    await queue; // the last stroke is on disk before it is accepted
    const at = index.value;
    const recorded = await setReview({ status: acceptedStatus(Boolean(edit.value?.savedAt)) });
    if (!recorded || index.value !== at) return;
    const next = indexAfterDecision(at, items.value.length, advance);
    if (next !== at) await open(next);
  }

  function markItem(imageId: number, patch: Partial<ImageListItem>): void {
    items.value = items.value.map((x) => (x.id === imageId ? { ...x, ...patch } : x));
  }

  function setRadius(r: number): void {
    radius.value = Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, Math.round(r)));
  }

  /** Another project was opened: nothing of this one's may show. */
  function reset(): void {
    loadSeq++; // an image still loading belongs to the old project
    items.value = [];
    queueLoaded.value = false;
    index.value = -1;
    image.value = null;
    masks.value = null;
    working.value = null;
    edit.value = null;
    error.value = null;
    saveState.value = 'idle';
  }

  /** Resolves when every stroke so far is on disk. */
  function flushed(): Promise<void> {
    return queue;
  }

  return {
    items,
    index,
    image,
    masks,
    working,
    maskVersion,
    edit,
    saveState,
    error,
    loading,
    tool,
    radius,
    showGroundTruth,
    showMask,
    hiddenTeachers,
    showDisagreement,
    gate,
    current,
    reviewed,
    order,
    scope,
    queueLoaded,
    loadQueue,
    reset,
    accept,
    open,
    commitStroke,
    applyOp,
    step,
    setReview,
    setRadius,
    flushed,
  };
});
