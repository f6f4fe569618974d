/**
 * Per-volume evaluation inside a project: the slices of each CT/MR series (or NIfTI volume) that the
 * import kept with their geometry are put back in order along the slice normal (io/volume.ts), and each
 * mask source is scored over the whole volume, 3-D Dice and HD95 in mm (engine/metrics/volume.ts),
 * beside the per-image rows. A volume is left out, with its reason, when its slices are no regular grid,
 * when some slice has no ground truth, or (for one source) when some slice has no mask from that source.
 */
import { basename, dirname } from 'node:path';
import type { VolumeEvaluation, VolumeScores } from '../../shared/dto.js';
import { summarizeVolumes, volumeMetrics } from '../engine/metrics/index.js';
import { volumeLayout } from '../io/volume.js';
import type { ImageRecord } from '../store/images.js';
import type { ProjectStore } from '../store/index.js';

/** The images of each volume (2 or more slices with geometry), keyed by volume, in import order. */
export function volumesOf(images: readonly ImageRecord[]): Map<string, ImageRecord[]> {
  const groups = new Map<string, ImageRecord[]>();
  for (const img of images) {
    const key = img.geometry?.volume;
    if (!key) continue;
    const g = groups.get(key);
    if (g) g.push(img);
    else groups.set(key, [img]);
  }
  for (const [k, g] of groups) if (g.length < 2) groups.delete(k);
  return groups;
}

/** How a volume is named in tables: the NIfTI file, or the DICOM series' folder and the end of its UID. */
export function volumeName(first: ImageRecord): string {
  const { kind, path, seriesUid } = first.source;
  if (kind === 'dicom' && seriesUid) return `${basename(dirname(path))} (series …${seriesUid.slice(-8)})`;
  return basename(path);
}

/**
 * Scores every source per volume. `masksOf` gives an image's masks by source name (the same sources as
 * the per-image rows); `sources` lists the names in report order. Undefined when the images hold no volume.
 */
export function evaluateVolumes(
  store: ProjectStore,
  images: readonly ImageRecord[],
  sources: readonly string[],
  masksOf: (img: ImageRecord) => Map<string, Uint8Array>,
): Map<string, VolumeEvaluation> | undefined {
  const groups = volumesOf(images);
  // Series imported before the geometry was kept (schema 6) cannot be put in order: said, not guessed.
  const older = new Map<string, ImageRecord>();
  for (const img of images)
    if (
      !img.geometry &&
      img.source.sliceIndex !== null &&
      (img.source.kind === 'dicom' || img.source.kind === 'nifti')
    )
      older.set(img.source.seriesUid ?? img.source.path, img);
  if (groups.size === 0 && older.size === 0) return undefined;
  const cases = new Map<string, VolumeScores[]>(sources.map((s) => [s, []]));
  const skipped = new Map<string, { volume: string; reason: string }[]>(sources.map((s) => [s, []]));
  const skipAll = (volume: string, reason: string) => {
    for (const s of sources) skipped.get(s)!.push({ volume, reason });
  };
  for (const img of older.values())
    skipAll(
      volumeName(img),
      'imported before Apprentice kept slice geometry, so its slices cannot be ordered as a volume',
    );
  for (const group of groups.values()) {
    const name = volumeName(group[0]!);
    let layout;
    try {
      layout = volumeLayout(
        group.map((g) => ({ rows: g.rows, cols: g.cols, geometry: g.geometry })),
        name,
      );
    } catch (err) {
      // The row names the volume already: keep the problem itself.
      skipAll(name, (err as Error).message.replace(`Series ${name}: `, ''));
      continue;
    }
    const ordered = layout.order.map((i) => group[i]!);
    const truthRecords = ordered.map((img) => store.masks.latest(img.id, 'ground_truth'));
    const noTruth = truthRecords.filter((m) => !m).length;
    if (noTruth) {
      skipAll(name, `${noTruth} of ${ordered.length} slice(s) have no ground truth`);
      continue;
    }
    const truth = truthRecords.map((m) => store.masks.read(m!));
    const preds = new Map<string, (Uint8Array | undefined)[]>(sources.map((s) => [s, []]));
    ordered.forEach((img) => {
      const masks = masksOf(img);
      for (const s of sources) preds.get(s)!.push(masks.get(s));
    });
    for (const s of sources) {
      const slices = preds.get(s)!;
      const missing = slices.filter((m) => !m).length;
      if (missing) {
        skipped.get(s)!.push({
          volume: name,
          reason: `${missing} of ${ordered.length} slice(s) have no mask from this source`,
        });
        continue;
      }
      const m = volumeMetrics(
        name,
        { rows: layout.rows, cols: layout.cols, slices: slices as Uint8Array[] },
        { rows: layout.rows, cols: layout.cols, slices: truth },
        layout.spacing,
      );
      cases.get(s)!.push({ ...m, imageId: ordered[0]!.id });
    }
  }
  return new Map(
    sources.map((s) => [
      s,
      { summary: summarizeVolumes(cases.get(s)!), cases: cases.get(s)!, skipped: skipped.get(s)! },
    ]),
  );
}
