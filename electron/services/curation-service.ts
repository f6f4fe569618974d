/**
 * Curation of the transferal set: thumbnails, include/exclude and tags, splits by case, near-duplicates,
 * and renaming or deleting a dataset.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import type {
  DatasetDeletion,
  DatasetSummary,
  NearDuplicateGroup,
  SplitSummary,
  Thumbnail,
} from '../../shared/dto.js';
import type { ProjectStore } from '../store/project-store.js';
import { dHash, nearDuplicateGroups, shrinkGrey } from './curation/image-hash.js';
import { splitByCase, type SplitFractions } from './curation/splits.js';
import { getImage } from './review-service.js';

/**
 * Small grey previews. Made one after another with a pause for the event loop after each few ms of work:
 * a grid asks for many while the person filters or opens an image, and those calls must not wait for the
 * whole batch.
 */
export async function thumbnails(
  store: ProjectStore,
  imageIds: readonly number[],
  size: number,
): Promise<Thumbnail[]> {
  const out: Thumbnail[] = [];
  let since = performance.now();
  for (const id of imageIds) {
    out.push(thumbnail(store, id, size));
    if (performance.now() - since > YIELD_AFTER_MS) {
      await new Promise((r) => setImmediate(r));
      since = performance.now();
    }
  }
  return out;
}

/** Work between two pauses of a thumbnail batch. */
const YIELD_AFTER_MS = 8;

function thumbnail(store: ProjectStore, id: number, size: number): Thumbnail {
  const img = getImage(store, id);
  const k = size / Math.max(img.rows, img.cols);
  const width = Math.max(1, Math.round(img.cols * Math.min(1, k)));
  const height = Math.max(1, Math.round(img.rows * Math.min(1, k)));
  const grey = shrinkGrey(img.pixels, img.rows, img.cols, img.channels, img.window, width, height);
  const pixels = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) pixels[i] = Math.round(grey[i]!);
  return { imageId: id, width, height, pixels };
}

/**
 * How many of each dataset's images are alone in their case: an image without a case (none was given
 * and none could be derived) or the only image of its case. Counted in SQL over the images_case index:
 * a PNG import makes every image a case of its own, and 50,000 groups read into JS took ~300 ms.
 */
export function loneImagesByDataset(store: ProjectStore): Map<number, number> {
  const rows = store.db.all<{ dataset_id: number; lone: number }>(
    `SELECT dataset_id, sum(CASE WHEN case_id IS NULL THEN n WHEN n = 1 THEN 1 ELSE 0 END) AS lone
       FROM (SELECT dataset_id, case_id, count(*) AS n FROM images GROUP BY dataset_id, case_id)
       GROUP BY dataset_id`,
  );
  return new Map(rows.map((r) => [r.dataset_id, r.lone]));
}

export function updateImages(
  store: ProjectStore,
  req: { imageIds: number[]; included?: boolean; addTags?: string[]; removeTags?: string[] },
): void {
  store.db.tx(() => {
    if (req.included !== undefined) store.images.setIncluded(req.imageIds, req.included);
    if (req.addTags?.length) store.images.addTags(req.imageIds, req.addTags);
    if (req.removeTags?.length) store.images.removeTags(req.imageIds, req.removeTags);
  });
}

export function assignSplits(
  store: ProjectStore,
  req: { datasetId: number; seed: number } & SplitFractions,
): SplitSummary {
  const sum = req.train + req.val + req.test;
  if (Math.abs(sum - 1) > 1e-6) {
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `The split fractions add up to ${sum.toFixed(3)}, not 1`);
  }
  store.datasets.get(req.datasetId);
  const images = store.images.list({ datasetId: req.datasetId });
  if (!images.length) throw new AppError(ErrorCode.FAILED_PRECONDITION, 'The dataset has no images to split');
  const assigned = splitByCase(
    images.map((i) => ({ id: i.id, caseId: i.source.caseId })),
    req,
    req.seed,
  );
  const summary: SplitSummary = {
    train: { images: 0, cases: 0 },
    val: { images: 0, cases: 0 },
    test: { images: 0, cases: 0 },
  };
  const casesSeen = { train: new Set<string>(), val: new Set<string>(), test: new Set<string>() };
  store.db.tx(() => {
    for (const split of ['train', 'val', 'test'] as const) {
      const ids = images.filter((i) => assigned.get(i.id) === split);
      store.images.setSplit(
        ids.map((i) => i.id),
        split,
      );
      summary[split].images = ids.length;
      for (const i of ids) casesSeen[split].add(i.source.caseId ?? `image:${i.id}`);
      summary[split].cases = casesSeen[split].size;
    }
  });
  return summary;
}

export function renameDataset(store: ProjectStore, req: { datasetId: number; name: string }): DatasetSummary {
  const { description: _d, ...summary } = store.datasets.update(req.datasetId, { name: req.name.trim() });
  return { ...summary, loneImages: loneImagesByDataset(store).get(summary.id) ?? 0 };
}

/**
 * Deletes a dataset with everything recorded about its images (one transaction), then removes the
 * content blobs no row refers to any more. The caller makes sure no job is writing: with none running,
 * nothing is between writing a blob and recording it, so no age margin is needed.
 */
export function deleteDataset(store: ProjectStore, datasetId: number): DatasetDeletion {
  const { name } = store.datasets.get(datasetId);
  const { images } = store.datasets.remove(datasetId);
  const { bytesFreed } = store.gc({ minAgeMs: 0 });
  return { datasetId, name, images, bytesFreed };
}

export function nearDuplicates(
  store: ProjectStore,
  req: { datasetId?: number; maxDistance: number },
): NearDuplicateGroup[] {
  const images = store.images.list(req.datasetId === undefined ? {} : { datasetId: req.datasetId });
  const hashes = images.map((i) => ({ id: i.id, hash: dHash(getImage(store, i.id)) }));
  const names = new Map(images.map((i) => [i.id, i.source.path.split(/[\\/]/).at(-1) ?? String(i.id)]));
  return nearDuplicateGroups(hashes, req.maxDistance).map((ids) => ({
    imageIds: ids,
    names: ids.map((id) => names.get(id)!),
  }));
}
