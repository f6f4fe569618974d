/**
 * Inference without a project (the `apprentice infer` command, and the transfer's stages): teachers over a
 * folder of images, one 8-bit 0/255 PNG mask per image written under the image's name stem, the fused
 * mask when several teachers are given, optional per-teacher 8-bit probability maps, each teacher's own
 * mask, and Dice against ground truth. The labelling itself is the shared core (labelling/).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { FusionReport } from '../../shared/fusion-report.js';
import { postProcess, type PostProcessOptions } from '../../shared/masks/morphology.js';
import { readImageFile } from '../io/read.js';
import { dequantizeProbabilities } from '../store/mask-codec.js';
import { makeDirs } from '../util/atomic-write.js';
import type { FusionOptions } from './fusion.js';
import { readTeacherImages } from './images.js';
import { listFiles, fileStem } from '../util/files.js';
import { runLabelling, type FusedImage, type MapsChunk } from './labelling/run-labelling.js';
import { fusionFor, teacherDirName } from './labelling/maps-pass.js';
import { predictTeacherMaps, type TeacherMap } from './labelling/teacher-maps.js';
import { dice, iou, mean, threshold } from '../engine/metrics/index.js';
import { writeGreyPng } from './png.js';
import type { TeacherImage } from './preprocess.js';
import type { TeacherRunner } from './runner.js';

/** An image of a folder: its name stem and grid. */
export interface NamedImage {
  name: string;
  rows: number;
  cols: number;
}

export interface FolderRunRequest {
  /** A folder of images, or one image file. */
  images: string;
  out: string;
  /** Ground-truth masks paired by name stem: Dice/IoU are reported when given. */
  masks?: string;
  /** Also write each teacher's 8-bit probability map (the TTA mean under TTA) to <probs>/<teacher>/<stem>.png. */
  probs?: string;
  /** Also write each teacher's own mask (its plain map > threshold, post-processed) to <teacherMasks>/<teacher>/<stem>.png. */
  teacherMasks?: string;
  /** Unset: the default fusion ('auto') with several teachers; one teacher's map cut at 0.5 alone. */
  fusion?: FusionOptions;
  /** For 'auto': weights estimated on another set (the transfer's test set reuses the transferal set's). */
  reuseWeights?: readonly number[];
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
  /** The fusion method, when several teachers were fused. */
  fusion: string | null;
  /** What the fusion did and why. */
  fusionReport: FusionReport;
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

/** The image files of a folder (in name order), or the one file given. */
export function imageFiles(path: string): string[] {
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

/** An 8-bit map PNG as written by `--probs`, back as probabilities (exactly as stored, never rescaled). */
export async function readStoredMap(file: string, rows: number, cols: number): Promise<Float32Array> {
  const s = await readImageFile(file);
  const p = s.slices[0]!.pixels;
  if (s.rows !== rows || s.cols !== cols || !(p instanceof Uint8Array) || s.samplesPerPixel !== 1)
    throw new AppError(ErrorCode.BAD_FILE, `${file} is not the 8-bit ${cols}x${rows} map this run wrote`, {
      path: file,
    });
  return dequantizeProbabilities(p);
}

/** The folder a teacher's maps or masks go to, under `probs` / `teacherMasks`. */
export { teacherDirName };

/** A 0/1 mask as 0/255 pixels for an 8-bit PNG. */
export function to255(mask: Uint8Array): Uint8Array {
  const png = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) png[i] = mask[i] ? 255 : 0;
  return png;
}

/** Pass 1's chunk of a folder: per image, each teacher's stored and plain maps (in teacher order). */
interface FolderChunk extends MapsChunk<NamedImage> {
  teacherMaps: Map<NamedImage, TeacherMap[]>;
}

export async function runFolder(
  teachers: readonly TeacherRunner[],
  req: FolderRunRequest,
): Promise<FolderRunSummary> {
  const t0 = performance.now();
  const files = imageFiles(resolve(req.images));
  const out = resolve(req.out);
  makeDirs(out);
  const names = teachers.map((t) => t.name);
  const several = teachers.length > 1;
  const { fusion, views } = fusionFor(names, req.fusion, req.reuseWeights);
  const method = fusion.options.method;
  const t = fusion.options.threshold ?? 0.5;
  const post = req.post ?? {};
  const gtIndex = req.masks ? new Map(listFiles(resolve(req.masks)).map((f) => [fileStem(f), f])) : undefined;
  // 'auto' fuses in a second pass from the maps as stored: without --probs they go to a folder of our own.
  const scratch =
    !req.probs && fusion.needsFirstPass ? mkdtempSync(join(tmpdir(), 'apprentice-maps-')) : null;
  const mapsRoot = req.probs ? resolve(req.probs) : scratch;
  const probDirs = mapsRoot ? names.map((n) => join(mapsRoot, teacherDirName(n))) : [];
  const maskDirs = req.teacherMasks
    ? names.map((n) => join(resolve(req.teacherMasks!), teacherDirName(n)))
    : [];
  for (const d of [...probDirs, ...maskDirs]) makeDirs(d);
  const summary: Omit<FolderRunSummary, 'fusionReport'> = {
    teachers: names,
    fusion: several ? method : null,
    images: 0,
    written: 0,
    failed: 0,
    errors: [],
    seconds: 0,
    outcomes: [],
  };
  const outcomes = new Map<string, ImageOutcome>();

  const computeMaps = async (from: number, to: number): Promise<FolderChunk> => {
    const images: TeacherImage[] = [];
    for (const file of files.slice(from, to))
      try {
        images.push(...(await readTeacherImages(file)));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        summary.images++;
        summary.failed++;
        summary.errors.push({ image: fileStem(file), code: err.code, message: err.message });
      }
    const perTeacher: TeacherMap[][] = [];
    for (const r of teachers)
      perTeacher.push(images.length ? await predictTeacherMaps(r, images, views) : []);
    const chunk: FolderChunk = { images: [], teacherMaps: new Map() };
    images.forEach((img, j) => {
      const item: NamedImage = { name: img.name, rows: img.rows, cols: img.cols };
      const maps = perTeacher.map((m) => m[j]!);
      chunk.teacherMaps.set(item, maps);
      chunk.images.push({
        item,
        // A mask from only some of the teachers would not be what was asked for: the image is skipped.
        maps: maps.every((m) => m.ok) ? maps.map((m) => (m as { prob: Float32Array }).prob) : null,
      });
    });
    return chunk;
  };

  const writeLabels = async (labels: readonly FusedImage<NamedImage>[]) => {
    for (const l of labels) {
      const { name, rows, cols } = l.item;
      writeGreyPng(join(out, `${name}.png`), to255(l.mask), rows, cols);
      const outcome = outcomes.get(name)!;
      outcome.written = true;
      summary.written++;
      Object.assign(outcome, l.uncertainty);
      const gt = await groundTruth(l.item);
      if (gt) {
        outcome.dice = dice(l.mask, gt);
        outcome.iou = iou(l.mask, gt);
      }
    }
  };
  // A readable mask is read again when needed, not kept: kept from pass 1 to pass 2, every mask of a
  // large set would be in memory at once. An unreadable one is remembered, so it is reported once.
  const unreadable = new Set<string>();
  const groundTruth = async (item: NamedImage): Promise<Uint8Array | undefined> => {
    const file = gtIndex?.get(item.name);
    if (file === undefined || unreadable.has(item.name)) return undefined;
    try {
      return await readBinaryMask(file, item.rows, item.cols);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      unreadable.add(item.name);
      summary.errors.push({ image: item.name, code: err.code, message: err.message });
      return undefined;
    }
  };

  let report: FusionReport;
  try {
    report = await runLabelling<NamedImage, FolderChunk>(
      {
        units: files.length,
        chunkSize: Math.max(8, ...teachers.map((r) => r.batchSize)),
        computeMaps,
        async commitMaps(chunk, labels, done) {
          for (const { item, maps } of chunk.images) {
            const { name, rows, cols } = item;
            summary.images++;
            outcomes.set(name, { image: name, written: false });
            summary.outcomes.push(outcomes.get(name)!);
            const tm = chunk.teacherMaps.get(item)!;
            tm.forEach((m, k) => {
              if (m.ok) {
                if (probDirs[k]) writeGreyPng(join(probDirs[k], `${name}.png`), m.stored, rows, cols);
              } else
                summary.errors.push({
                  image: name,
                  teacher: names[k]!,
                  code: m.error.code,
                  message: m.error.message,
                });
            });
            if (!maps) {
              summary.failed++;
              continue;
            }
            // Each teacher alone, as it is (its plain map, not the TTA mean): what the run compares against.
            const own = tm.map((m) =>
              postProcess(threshold((m as { plain: Float32Array }).plain, t), rows, cols, post),
            );
            maskDirs.forEach((d, k) => writeGreyPng(join(d, `${name}.png`), to255(own[k]!), rows, cols));
            const gt = await groundTruth(item);
            if (gt) outcomes.get(name)!.teacherDice = own.map((m) => dice(m, gt));
          }
          if (labels) await writeLabels(labels);
          req.onProgress?.(done, files.length);
        },
        readMaps: (item) =>
          Promise.all(probDirs.map((d) => readStoredMap(join(d, `${item.name}.png`), item.rows, item.cols))),
        commitLabels: (labels) => writeLabels(labels),
        throwIfCancelled() {
          if (req.signal?.aborted) throw new AppError(ErrorCode.CANCELLED, 'Inference was cancelled');
        },
      },
      fusion,
      post,
    );
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  const scored = summary.outcomes.filter((o) => o.dice !== undefined);
  if (gtIndex) {
    summary.with_ground_truth = scored.length;
    summary.dice_mean = mean(scored.map((o) => o.dice!));
    summary.iou_mean = mean(scored.map((o) => o.iou!));
    summary.teacher_dice_mean = Object.fromEntries(
      names.map((n, k) => [n, mean(scored.map((o) => o.teacherDice![k]!))]),
    );
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return { ...summary, fusionReport: report };
}
