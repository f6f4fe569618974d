/**
 * Fusion without a project (the `apprentice fuse` command): folders of per-teacher probability maps (as
 * `infer --probs` writes them, or any precomputed maps) -> fused masks, soft labels, Dice against ground
 * truth and a review queue ordered by uncertainty. The labelling is the shared core (labelling/), with
 * the maps read from the folders instead of computed.
 */
import { makeDirs } from '../util/atomic-write.js';
import { join, resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { FusionReport } from '../../shared/fusion-report.js';
import { DEFAULT_FUSION_METHOD } from '../../shared/recipe.js';
import { readImageFile } from '../io/read.js';
import { quantizeProbabilities } from '../store/mask-codec.js';
import type { FusionOptions } from './fusion.js';
import { listFiles, fileStem } from '../util/files.js';
import { runLabelling, type FusedImage, type MapsChunk } from './labelling/run-labelling.js';
import { SetFusion } from './labelling/set-fusion.js';
import { MaskFolderTeacher } from './mask-folder-runner.js';
import { dice, iou, mean, threshold } from '../engine/metrics/index.js';
import type { PostProcessOptions } from '../../shared/masks/morphology.js';
import { writeGreyPng } from './png.js';
import { to255 } from './folder-run.js';
import { reviewQueue, type QueueItem } from './uncertainty.js';

/** An image of a folder: its name stem and grid. */
interface NamedImage {
  name: string;
  rows: number;
  cols: number;
}

export interface FuseFoldersRequest {
  /** One folder per teacher, maps named by image stem. */
  probs: string[];
  out: string;
  /** Also write the fused soft label (8-bit, p*255). */
  soft?: string;
  masks?: string;
  /** Unset: the default fusion ('auto'). Maps are read as they are: no test-time augmentation here. */
  fusion?: FusionOptions;
  post?: PostProcessOptions;
}

export interface FuseFoldersSummary {
  teachers: number;
  fusion: string;
  /** What the fusion did and why. */
  fusionReport: FusionReport;
  images: number;
  written: number;
  errors: { image: string; code: string; message: string }[];
  dice_mean?: number;
  iou_mean?: number;
  with_ground_truth?: number;
  /** Most uncertain first. */
  queue: QueueItem<string>[];
}

export async function fuseFolders(req: FuseFoldersRequest): Promise<FuseFoldersSummary> {
  if (req.probs.length < 2)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Fusion needs two or more folders of probability maps');
  const teachers = req.probs.map((d, k) => new MaskFolderTeacher(`maps ${k + 1} (${d})`, resolve(d)));
  const gt = req.masks ? new MaskFolderTeacher('ground truth', resolve(req.masks)) : undefined;
  const out = resolve(req.out);
  makeDirs(out);
  if (req.soft) makeDirs(req.soft);
  const method = req.fusion?.method ?? DEFAULT_FUSION_METHOD;
  const fusion = new SetFusion(
    teachers.map((t) => t.name),
    { ...req.fusion, method },
  );
  // The first folder names the images; each map is read on its own grid (the first folder's).
  const first = listFiles(resolve(req.probs[0]!));
  const s: Omit<FuseFoldersSummary, 'fusionReport'> = {
    teachers: teachers.length,
    fusion: method,
    images: 0,
    written: 0,
    errors: [],
    queue: [],
  };
  const scores: { dice: number; iou: number }[] = [];
  const items: QueueItem<string>[] = [];
  const asImage = (item: NamedImage) => ({ ...item, channels: 1 as const, pixels: new Uint8Array(0) });
  const readMaps = async (item: NamedImage): Promise<Float32Array[] | AppError> => {
    const results = await Promise.all(teachers.map(async (t) => (await t.predict([asImage(item)]))[0]!));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) return failed.error;
    return results.map((r) => (r.ok ? r.prob : new Float32Array(0)));
  };
  const writeLabels = async (labels: readonly FusedImage<NamedImage>[]) => {
    for (const l of labels) {
      const { name, rows, cols } = l.item;
      writeGreyPng(join(out, `${name}.png`), to255(l.mask), rows, cols);
      if (req.soft)
        writeGreyPng(join(resolve(req.soft), `${name}.png`), quantizeProbabilities(l.fused.prob), rows, cols);
      s.written++;
      items.push({ key: name, ...l.uncertainty });
      if (gt) {
        const g = (await gt.predict([asImage(l.item)]))[0]!;
        if (g.ok) {
          const truth = threshold(g.prob);
          scores.push({ dice: dice(l.mask, truth), iou: iou(l.mask, truth) });
        } else s.errors.push({ image: name, code: g.error.code, message: g.error.message });
      }
    }
  };
  const fusionReport = await runLabelling<NamedImage, MapsChunk<NamedImage>>(
    {
      units: first.length,
      chunkSize: 16,
      async computeMaps(from, to) {
        const chunk: MapsChunk<NamedImage> = { images: [] };
        for (const file of first.slice(from, to)) {
          const name = fileStem(file);
          s.images++;
          let item: NamedImage;
          try {
            const head = await readImageFile(file);
            item = { name, rows: head.rows, cols: head.cols };
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            s.errors.push({ image: name, code: err.code, message: err.message });
            continue;
          }
          const maps = await readMaps(item);
          if (maps instanceof AppError) {
            s.errors.push({ image: name, code: maps.code, message: maps.message });
            continue;
          }
          chunk.images.push({ item, maps });
        }
        return chunk;
      },
      async commitMaps(_chunk, labels) {
        if (labels) await writeLabels(labels);
      },
      async readMaps(item) {
        const maps = await readMaps(item);
        if (maps instanceof AppError) throw maps;
        return maps;
      },
      commitLabels: (labels) => writeLabels(labels),
      throwIfCancelled: () => undefined,
    },
    fusion,
    req.post ?? {},
  );
  if (gt) {
    s.with_ground_truth = scores.length;
    s.dice_mean = mean(scores.map((x) => x.dice));
    s.iou_mean = mean(scores.map((x) => x.iou));
  }
  s.queue = reviewQueue(items);
  return { ...s, fusionReport };
}
