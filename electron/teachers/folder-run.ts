/**
 * Inference without a project (the `apprentice infer` command): teachers over a folder of images, one
 * 8-bit 0/255 PNG mask per image written under the image's name stem, the fused mask when several
 * teachers are given, optional per-teacher 8-bit probability maps, and Dice against ground truth.
 */
import { statSync } from 'node:fs';
import { makeDirs } from '../util/atomic-write.js';
import { join, resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readImageFile } from '../io/read.js';
import { quantizeProbabilities } from '../store/mask-codec.js';
import { fuse, type FusionOptions } from './fusion.js';
import { listFiles, nameStem } from './images.js';
import { dice, iou, mean, threshold } from './metrics.js';
import { postProcess, type PostProcessOptions } from '../../shared/masks/morphology.js';
import { predictFiles } from './pipeline.js';
import { writeGreyPng } from './png.js';
import type { TeacherRunner } from './runner.js';
import { uncertainty } from './uncertainty.js';

export interface FolderRunRequest {
  /** A folder of images, or one image file. */
  images: string;
  out: string;
  /** Ground-truth masks paired by name stem: Dice/IoU are reported when given. */
  masks?: string;
  /** Also write each teacher's 8-bit probability map to <probs>/<teacher>/<stem>.png. */
  probs?: string;
  /** Also write each teacher's own mask (threshold + post-processing) to <teacherMasks>/<teacher>/<stem>.png. */
  teacherMasks?: string;
  fusion?: FusionOptions;
  post?: PostProcessOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ImageOutcome {
  image: string;
  written: boolean;
  dice?: number;
  iou?: number;
  /** Per teacher (in teacher order), when ground truth was given. */
  teacherDice?: number[];
  disagreement?: number;
  entropy?: number;
}

export interface FolderRunSummary {
  teachers: string[];
  fusion: string | null;
  images: number;
  written: number;
  failed: number;
  errors: { image: string; teacher?: string; code: string; message: string }[];
  /** Mean over images with ground truth (empty GT: 1 if the mask is empty, else 0). */
  dice_mean?: number;
  iou_mean?: number;
  with_ground_truth?: number;
  teacher_dice_mean?: Record<string, number>;
  seconds: number;
  outcomes: ImageOutcome[];
}

function imageFiles(path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new AppError(ErrorCode.NOT_FOUND, `No images at ${path}`, { path });
  }
  const files = isDir ? listFiles(path) : [path];
  if (files.length === 0) throw new AppError(ErrorCode.NOT_FOUND, `${path} holds no files`, { path });
  return files;
}

/**
 * A mask file as 0/1 on its image's grid (non-zero = foreground): ground truth, a person's correction.
 * A mask of another size is refused, naming the file (and the image, when given).
 */
export async function readBinaryMask(
  file: string,
  rows: number,
  cols: number,
  image?: string,
): Promise<Uint8Array> {
  const s = await readImageFile(file);
  if (s.rows !== rows || s.cols !== cols)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${file}: the mask is ${s.cols}x${s.rows}, its image${image ? ` ${image}` : ''} ${cols}x${rows}`,
      { path: file },
    );
  const p = s.slices[0]!.pixels;
  const out = new Uint8Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = p[i * s.samplesPerPixel]! !== 0 ? 1 : 0;
  return out;
}

/** The folder a teacher's maps or masks go to, under `probs` / `teacherMasks`. */
export function teacherDirName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

/** A 0/1 mask as 0/255 pixels for an 8-bit PNG. */
export function to255(mask: Uint8Array): Uint8Array {
  const png = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) png[i] = mask[i] ? 255 : 0;
  return png;
}

export async function runFolder(
  teachers: readonly TeacherRunner[],
  req: FolderRunRequest,
): Promise<FolderRunSummary> {
  const t0 = performance.now();
  const files = imageFiles(resolve(req.images));
  const out = resolve(req.out);
  makeDirs(out);
  const gtIndex = req.masks ? new Map(listFiles(resolve(req.masks)).map((f) => [nameStem(f), f])) : undefined;
  const probDirs = req.probs ? teachers.map((t) => join(resolve(req.probs!), teacherDirName(t.name))) : [];
  const maskDirs = req.teacherMasks
    ? teachers.map((t) => join(resolve(req.teacherMasks!), teacherDirName(t.name)))
    : [];
  for (const d of [...probDirs, ...maskDirs]) makeDirs(d);
  const fused = teachers.length > 1;
  const t = req.fusion?.threshold ?? 0.5;
  const summary: FolderRunSummary = {
    teachers: teachers.map((t) => t.name),
    fusion: fused ? (req.fusion?.method ?? 'mean') : null,
    images: 0,
    written: 0,
    failed: 0,
    errors: [],
    seconds: 0,
    outcomes: [],
  };
  await predictFiles(teachers, files, {
    signal: req.signal,
    onUnreadable: (file, e) => {
      summary.images++;
      summary.failed++;
      summary.errors.push({ image: nameStem(file), code: e.code, message: e.message });
    },
    onProgress: req.onProgress,
    onPrediction: async ({ image, results }) => {
      summary.images++;
      const outcome: ImageOutcome = { image: image.name, written: false };
      summary.outcomes.push(outcome);
      const maps: Float32Array[] = [];
      results.forEach((r, k) => {
        if (r.ok) maps.push(r.prob);
        else
          summary.errors.push({
            image: image.name,
            teacher: teachers[k]!.name,
            code: r.error.code,
            message: r.error.message,
          });
      });
      results.forEach((r, k) => {
        if (r.ok && probDirs[k])
          writeGreyPng(
            join(probDirs[k], `${image.name}.png`),
            quantizeProbabilities(r.prob),
            image.rows,
            image.cols,
          );
      });
      // A mask from only some of the teachers would not be what was asked for: the image is skipped.
      if (maps.length !== teachers.length) return void summary.failed++;
      const f = fuse(maps, fused ? (req.fusion ?? {}) : { method: 'mean', threshold: t });
      const mask = postProcess(f.mask, image.rows, image.cols, req.post ?? {});
      writeGreyPng(join(out, `${image.name}.png`), to255(mask), image.rows, image.cols);
      outcome.written = true;
      summary.written++;
      // One teacher: disagreement is 0 and the entropy of its map still ranks images for review.
      Object.assign(outcome, uncertainty(maps, f.prob));
      const own = maps.map((m) => postProcess(threshold(m, t), image.rows, image.cols, req.post ?? {}));
      maskDirs.forEach((d, k) =>
        writeGreyPng(join(d, `${image.name}.png`), to255(own[k]!), image.rows, image.cols),
      );
      if (gtIndex) {
        let gt: Uint8Array | undefined;
        try {
          const file = gtIndex.get(image.name);
          gt = file === undefined ? undefined : await readBinaryMask(file, image.rows, image.cols);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          summary.errors.push({ image: image.name, code: err.code, message: err.message });
        }
        if (gt) {
          outcome.dice = dice(mask, gt);
          outcome.iou = iou(mask, gt);
          outcome.teacherDice = own.map((m) => dice(m, gt!));
        }
      }
    },
  });
  const scored = summary.outcomes.filter((o) => o.dice !== undefined);
  if (gtIndex) {
    summary.with_ground_truth = scored.length;
    summary.dice_mean = mean(scored.map((o) => o.dice!));
    summary.iou_mean = mean(scored.map((o) => o.iou!));
    summary.teacher_dice_mean = Object.fromEntries(
      teachers.map((t, k) => [t.name, mean(scored.map((o) => o.teacherDice![k]!))]),
    );
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}
