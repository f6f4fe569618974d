/**
 * The one pseudo-labelling loop: teachers' maps for an image set, chunk by chunk, then each image's
 * fused label, post-processed, with its uncertainty. Three front ends drive it (a project's job, a folder
 * on the command line, a transfer's stages); each says where images come from and where maps and labels
 * go, the loop does the rest the same way for all.
 *
 *   pass 1  maps, chunk by chunk; the next chunk's maps are computed while this one is stored (the disk's
 *           fsyncs cost no inference time); every method but a set-weighted 'auto' fuses here too
 *   pass 2  only for 'auto' over the set: the weights come from pass 1's agreement scores (set-fusion.ts),
 *           then each image is fused from its maps as stored in pass 1; no map is kept in memory between
 * A cancel stores what pass 1 had computed before it stops; a label is skipped when the front end already
 * has it (resuming), which is safe because the front end's key covers what the label depends on.
 */
import type { FusionReport } from '../../../shared/fusion-report.js';
import { postProcess, type PostProcessOptions } from '../../../shared/masks/morphology.js';
import { uncertainty, type Uncertainty } from '../uncertainty.js';
import type { ImageLabel, SetFusion } from './set-fusion.js';

/** An image as the loop needs it: its grid (post-processing works on it). */
export interface LabelItem {
  rows: number;
  cols: number;
}

/** What pass 1 found in a chunk: each image with its teachers' maps (as stored), or null when it failed. */
export interface MapsChunk<I extends LabelItem> {
  images: { item: I; maps: Float32Array[] | null }[];
}

export interface FusedImage<I extends LabelItem> {
  item: I;
  maps: readonly Float32Array[];
  fused: ImageLabel;
  /** The training target: the fused mask after post-processing. */
  mask: Uint8Array;
  uncertainty: Uncertainty;
}

export interface LabellingFrontEnd<I extends LabelItem, C extends MapsChunk<I>> {
  /** How many units (images, or files holding images) pass 1 walks, and how many at a time. */
  units: number;
  chunkSize: number;
  /** Pass 1: the teachers' maps of units [from, to): computed, reused or read. */
  computeMaps(from: number, to: number): Promise<C>;
  /** Stores a pass-1 chunk, with its labels when they were fused in the same pass (null in a two-pass run). */
  commitMaps(chunk: C, labels: FusedImage<I>[] | null, done: number): void | Promise<void>;
  /** Pass 2: an image's maps as pass 1 stored them. */
  readMaps(item: I): Float32Array[] | Promise<Float32Array[]>;
  /** Stores a pass-2 chunk of labels; `done` of `total` images. */
  commitLabels(labels: FusedImage<I>[], done: number, total: number): void | Promise<void>;
  /** True when the image's label is already stored with the same key (a resumed run): it is not fused again. */
  hasLabel?(item: I): boolean;
  /** Throws to stop between chunks (cancellation). */
  throwIfCancelled(): void;
}

function fuseOne<I extends LabelItem>(
  fusion: SetFusion,
  post: PostProcessOptions,
  item: I,
  maps: Float32Array[],
): FusedImage<I> {
  const fused = fusion.fuseImage(maps);
  return {
    item,
    maps,
    fused,
    mask: postProcess(fused.mask, item.rows, item.cols, post),
    // One teacher: disagreement is 0 and the entropy of its map still ranks images for review.
    uncertainty: uncertainty(maps, fused.prob),
  };
}

/** Runs both passes; returns what the fusion did. */
export async function runLabelling<I extends LabelItem, C extends MapsChunk<I>>(
  fe: LabellingFrontEnd<I, C>,
  fusion: SetFusion,
  post: PostProcessOptions = {},
): Promise<FusionReport> {
  const twoPass = fusion.needsFirstPass;
  const withMaps: I[] = [];
  let pending: { chunk: C; labels: FusedImage<I>[] | null; done: number } | null = null;
  // Taken before it is stored, so a chunk whose commit failed is never committed twice.
  const flush = async () => {
    const p = pending;
    pending = null;
    if (p) await fe.commitMaps(p.chunk, p.labels, p.done);
  };
  try {
    for (let from = 0; from < fe.units; from += fe.chunkSize) {
      fe.throwIfCancelled();
      const to = Math.min(from + fe.chunkSize, fe.units);
      const computing = fe.computeMaps(from, to);
      // If storing the previous chunk throws, this one's outcome must not become an unhandled rejection.
      computing.catch(() => undefined);
      await flush();
      const chunk = await computing;
      const labels: FusedImage<I>[] = [];
      for (const { item, maps } of chunk.images) {
        if (!maps) continue;
        fusion.observe(maps);
        if (twoPass) withMaps.push(item);
        else if (!fe.hasLabel?.(item)) labels.push(fuseOne(fusion, post, item, maps));
      }
      pending = { chunk, labels: twoPass ? null : labels, done: to };
    }
  } finally {
    await flush();
  }
  if (twoPass) await fuseStored(fe, fusion, post, withMaps);
  return fusion.report();
}

/** What pass 2 needs of a front end. */
export type StoredMapsFrontEnd<I extends LabelItem> = Pick<
  LabellingFrontEnd<I, MapsChunk<I>>,
  'chunkSize' | 'readMaps' | 'commitLabels' | 'hasLabel' | 'throwIfCancelled'
>;

/**
 * Pass 2: each of `items` (in this order) fused from its maps as stored, chunk by chunk. `fusion` has
 * observed the whole set already: here in pass 1, or from a sharded pass 1's agreement scores
 * (SetFusion.observeScores). Maps read back as stored are the maps pass 1 fused with, so a label made
 * here equals one fused in pass 1.
 */
export async function fuseStored<I extends LabelItem>(
  fe: StoredMapsFrontEnd<I>,
  fusion: SetFusion,
  post: PostProcessOptions,
  items: readonly I[],
): Promise<void> {
  const todo = items.filter((item) => !fe.hasLabel?.(item));
  for (let from = 0; from < todo.length; from += fe.chunkSize) {
    fe.throwIfCancelled();
    const part = todo.slice(from, from + fe.chunkSize);
    const labels: FusedImage<I>[] = [];
    for (const item of part) labels.push(fuseOne(fusion, post, item, await fe.readMaps(item)));
    await fe.commitLabels(labels, from + part.length, todo.length);
  }
}
