/**
 * The image on screen and the mask being corrected: its layers, the working mask, the undo history's
 * state and the decision. Every edit is saved as one undo step, in order, and `saveState` tells whether
 * the last one is on disk yet ("saving" / "saved").
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ImageListItem, ImageMasks, ImagePixels, MaskEditState, ReviewStateName } from '@shared/dto';
import { api, errorMessage } from '../../api/client';

export type SaveState = 'idle' | 'saving' | 'saved' | 'error';

/** Images fetched ahead that are kept, and for how long (their masks may change meanwhile: a job, a save). */
const PREFETCH_KEEP = 3;
const PREFETCH_FRESH_MS = 15_000;

/** What an edit or decision changed about an image, for the queue's list (status dots, ✎, ⚑). */
export type ItemChange = (imageId: number, patch: Partial<ImageListItem>) => void;

export const useReviewSessionStore = defineStore('review-session', () => {
  const image = shallowRef<ImagePixels | null>(null);
  const masks = shallowRef<ImageMasks | null>(null);
  /** The mask under correction, painted in place; `maskVersion` tells the viewer it changed wholesale. */
  const working = shallowRef<Uint8Array | null>(null);
  const maskVersion = ref(0);
  const edit = ref<MaskEditState | null>(null);
  const saveState = ref<SaveState>('idle');
  /** The last thing that went wrong on the Review screen (a save, a load, a decision). */
  const error = ref<string | null>(null);
  const loading = ref(false);

  /** Saves run one after another so that undo steps keep the order of the strokes. */
  let saves: Promise<void> = Promise.resolve();
  /** Images asked for ahead of time (the queue's next one), used once by load() while still fresh. */
  const ahead = new Map<number, { at: number; data: Promise<[ImagePixels, ImageMasks]> }>();
  let loadSeq = 0;
  /** The queue listens here (it depends on this store, not the other way round). */
  let itemChanged: ItemChange = () => {};

  function onItemChange(listener: ItemChange): void {
    itemChanged = listener;
  }

  /**
   * Shows an image with its masks. `shown` runs just before, in the same tick, so that the queue's
   * position never disagrees with the image; false when the load failed or a later one overtook it.
   */
  async function load(imageId: number, shown: () => void): Promise<boolean> {
    const seq = ++loadSeq;
    loading.value = true;
    error.value = null;
    try {
      const [img, m] = await (takeAhead(imageId) ?? fetchImage(imageId));
      if (seq !== loadSeq) return false; // a later switch won
      shown();
      image.value = img;
      applyMasks(m);
      saveState.value = m.edit.savedAt ? 'saved' : 'idle';
      return true;
    } catch (err) {
      error.value = errorMessage(err);
      return false;
    } finally {
      if (seq === loadSeq) loading.value = false;
    }
  }

  function fetchImage(imageId: number): Promise<[ImagePixels, ImageMasks]> {
    return Promise.all([api().getImage({ imageId }), api().getMasks({ imageId })]);
  }

  /**
   * Starts fetching an image and its masks before it is opened (the queue's next one): switching to it
   * then waits for nothing. Kept briefly and for a few images only; a failed fetch is tried again on load.
   */
  function prefetch(imageId: number): void {
    if (ahead.has(imageId) || image.value?.id === imageId) return;
    // After the saves so far: a stroke on that image still on its way would be missing from its masks.
    const data = saves.then(() => fetchImage(imageId));
    data.catch(() => undefined); // load() fetches again
    ahead.set(imageId, { at: Date.now(), data });
    while (ahead.size > PREFETCH_KEEP) ahead.delete(ahead.keys().next().value!);
  }

  function takeAhead(imageId: number): Promise<[ImagePixels, ImageMasks]> | undefined {
    const got = ahead.get(imageId);
    ahead.delete(imageId);
    if (!got || Date.now() - got.at > PREFETCH_FRESH_MS) return undefined;
    return got.data.catch(() => fetchImage(imageId));
  }

  /** Nothing to show (an empty queue). */
  function clear(): void {
    image.value = null;
    masks.value = null;
    working.value = null;
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
    if (!img || !mask) return saves;
    working.value = op(mask, img.rows, img.cols);
    maskVersion.value++;
    return commitStroke(params, name);
  }

  /** Saves the working mask as it is now (a stroke painted in place) as one undo step named `toolName`. */
  function commitStroke(params: Record<string, unknown>, toolName: string): Promise<void> {
    const img = image.value;
    const mask = working.value;
    if (!img || !mask) return saves;
    const snapshot = mask.slice();
    const imageId = img.id;
    saveState.value = 'saving';
    saves = saves.then(async () => {
      try {
        const state = await api().saveMaskEdit({ imageId, mask: snapshot, tool: toolName, params });
        if (image.value?.id === imageId) {
          edit.value = state;
          saveState.value = 'saved';
        }
        // An edit, not a decision: the status stays until the reviewer accepts or rejects.
        itemChanged(imageId, { hasCorrection: state.savedAt !== null });
      } catch (err) {
        saveState.value = 'error';
        error.value = `Not saved: ${errorMessage(err)}`;
      }
    });
    return saves;
  }

  async function step(direction: 'undo' | 'redo'): Promise<void> {
    await saves;
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
      itemChanged(img.id, { hasCorrection: r.edit.savedAt !== null });
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
      itemChanged(img.id, { status: r.status, flagged: r.flagged });
      return true;
    } catch (err) {
      error.value = errorMessage(err);
      return false;
    }
  }

  /** Another project was opened: nothing of this one's may show. */
  function reset(): void {
    loadSeq++; // an image still loading belongs to the old project
    ahead.clear();
    clear();
    edit.value = null;
    error.value = null;
    saveState.value = 'idle';
  }

  /** Resolves when every edit so far is on disk. */
  function flushed(): Promise<void> {
    return saves;
  }

  return {
    image,
    masks,
    working,
    maskVersion,
    edit,
    saveState,
    error,
    loading,
    onItemChange,
    load,
    prefetch,
    clear,
    applyOp,
    commitStroke,
    step,
    setReview,
    reset,
    flushed,
  };
});
