/**
 * Fusion without a project (the `apprentice fuse` command): folders of per-teacher probability maps (as
 * `infer --probs` writes them, or any precomputed maps) -> fused masks, soft labels, Dice against ground
 * truth and a review queue ordered by uncertainty.
 */
import { makeDirs } from '../util/atomic-write.js';
import { join, resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readImageFile } from '../io/read.js';
import { quantizeProbabilities } from '../store/mask-codec.js';
import { fuse, type FusionOptions } from './fusion.js';
import { listFiles, nameStem } from './images.js';
import { MaskFolderTeacher } from './mask-folder-runner.js';
import { dice, iou, mean, threshold } from './metrics.js';
import { postProcess, type PostProcessOptions } from '../../shared/masks/morphology.js';
import { writeGreyPng } from './png.js';
import { reviewQueue, uncertainty, type QueueItem } from './uncertainty.js';

export interface FuseFoldersRequest {
  /** One folder per teacher, maps named by image stem. */
  probs: string[];
  out: string;
  /** Also write the fused soft label (8-bit, p*255). */
  soft?: string;
  masks?: string;
  fusion?: FusionOptions;
  post?: PostProcessOptions;
}

export interface FuseFoldersSummary {
  teachers: number;
  fusion: string;
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
  // The first folder names the images; each map is read on its own grid (the first folder's).
  const first = listFiles(resolve(req.probs[0]!));
  const s: FuseFoldersSummary = {
    teachers: teachers.length,
    fusion: req.fusion?.method ?? 'mean',
    images: 0,
    written: 0,
    errors: [],
    queue: [],
  };
  const scores: { dice: number; iou: number }[] = [];
  const items: QueueItem<string>[] = [];
  for (const file of first) {
    const name = nameStem(file);
    s.images++;
    let rows: number;
    let cols: number;
    try {
      const head = await readImageFile(file);
      rows = head.rows;
      cols = head.cols;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      s.errors.push({ image: name, code: err.code, message: err.message });
      continue;
    }
    const img = { name, rows, cols, channels: 1 as const, pixels: new Uint8Array(0) };
    const results = await Promise.all(teachers.map(async (t) => (await t.predict([img]))[0]!));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) {
      s.errors.push({ image: name, code: failed.error.code, message: failed.error.message });
      continue;
    }
    const maps = results.map((r) => (r.ok ? r.prob : new Float32Array(0)));
    const f = fuse(maps, req.fusion ?? {});
    const mask = postProcess(f.mask, rows, cols, req.post ?? {});
    const png = new Uint8Array(mask.length);
    for (let i = 0; i < mask.length; i++) png[i] = mask[i] ? 255 : 0;
    writeGreyPng(join(out, `${name}.png`), png, rows, cols);
    if (req.soft)
      writeGreyPng(join(resolve(req.soft), `${name}.png`), quantizeProbabilities(f.prob), rows, cols);
    s.written++;
    items.push({ key: name, ...uncertainty(maps, f.prob) });
    if (gt) {
      const g = (await gt.predict([img]))[0]!;
      if (g.ok) {
        const truth = threshold(g.prob);
        scores.push({ dice: dice(mask, truth), iou: iou(mask, truth) });
      } else s.errors.push({ image: name, code: g.error.code, message: g.error.message });
    }
  }
  if (gt) {
    s.with_ground_truth = scores.length;
    s.dice_mean = mean(scores.map((x) => x.dice));
    s.iou_mean = mean(scores.map((x) => x.iou));
  }
  s.queue = reviewQueue(items);
  return s;
}
