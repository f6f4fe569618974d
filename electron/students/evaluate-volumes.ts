/**
 * Evaluation of folders of volumes (NIfTI ground truth, one file per case): every slice is scored as an
 * image, as the 2-D evaluation does, and each volume as a whole, 3-D Dice and HD95 in mm with the voxel
 * spacing incl. the slice spacing (engine/metrics/volume.ts). The prediction of a volume is a NIfTI on the
 * same grid (same size and affine), or a model's slice-by-slice prediction stacked back.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import {
  caseMetrics,
  summarize,
  summarizeVolumes,
  volumeMetrics,
  type CaseMetrics,
  type EvaluationSummary,
  type VolumeMetrics,
  type VolumeSummary,
  type VoxelSpacing,
} from '../engine/metrics/index.js';
import { readImageFile } from '../io/read.js';
import type { ImageStack } from '../io/types.js';
import { filesByStem } from '../util/files.js';
import { toUnit } from './image-ops.js';

const VOLUME_FILE = /\.nii(\.gz)?$/i;

/** True when the ground truth is a folder of NIfTI volumes (every file), so it is scored per volume. */
export function isVolumeFolder(truthDir: string): boolean {
  const files = [...filesByStem(truthDir, 'masks').values()];
  return files.length > 0 && files.every((f) => VOLUME_FILE.test(f));
}

/** One slice of an image volume, as a model's input takes it: [0, 1] floats, interleaved channels. */
export interface VolumeSlice {
  image: Float32Array;
  rows: number;
  cols: number;
  channels: number;
}

/** Predicts a volume's slices (0/1 masks on each slice's grid), in order. */
export type SlicePredictor = (slices: VolumeSlice[]) => Promise<Uint8Array[]>;

export interface VolumeFolderOptions {
  /** Pixel spacing [row, col] in mm where a file does not say it. */
  spacing?: [number, number];
  ids?: ReadonlySet<string>;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
  /** A model's prediction; without it, the source folder holds predicted masks. */
  predict?: SlicePredictor;
}

/** Per-volume scores, and the volumes left out with their reason (none here: a bad pair is an error). */
export interface VolumeResult {
  summary: VolumeSummary;
  cases: VolumeMetrics[];
  skipped: { volume: string; reason: string }[];
}

export interface VolumeFolderEvaluation {
  summary: EvaluationSummary;
  cases: CaseMetrics[];
  unpaired: string[];
  volumes: VolumeResult;
}

function binarySlices(stack: ImageStack, path: string): Uint8Array[] {
  return stack.slices.map((s, k) => {
    const out = new Uint8Array(stack.rows * stack.cols);
    const ch = stack.samplesPerPixel;
    for (let i = 0; i < out.length; i++) {
      const v = s.pixels[i * ch]!;
      if (!Number.isFinite(v) || v < 0)
        throw new AppError(ErrorCode.BAD_FILE, `${path} is not a label mask: value ${v} in slice ${k + 1}`, {
          path,
        });
      out[i] = v > 0 ? 1 : 0;
    }
    return out;
  });
}

function spacingOf(stack: ImageStack, path: string, fallback?: [number, number]): VoxelSpacing {
  const ps = stack.pixelSpacing ?? fallback;
  if (!ps || !stack.sliceSpacing)
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path} does not say its voxel spacing, so HD95 in mm is unknown`,
      {
        path,
      },
    );
  return [ps[0], ps[1], stack.sliceSpacing];
}

/** Refuses a prediction that is not on the ground truth's grid (size or affine), naming both files. */
function checkSameGrid(pred: ImageStack, predPath: string, truth: ImageStack, truthPath: string): void {
  const size = (s: ImageStack) => `${s.cols}x${s.rows}x${s.slices.length}`;
  if (size(pred) !== size(truth))
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${predPath} is ${size(pred)} but its ground truth ${truthPath} is ${size(truth)}`,
      { path: predPath, truth: truthPath },
    );
  const a = pred.meta.affine,
    b = truth.meta.affine;
  if (Array.isArray(a) && Array.isArray(b) && a.some((v, i) => Math.abs(v - b[i]!) > 1e-3))
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${predPath} is not on the grid of its ground truth ${truthPath} (their affines differ)`,
      { path: predPath, truth: truthPath },
    );
}

/**
 * Scores each volume of `truthDir` against the file of the same name in `sourceDir`: predicted masks,
 * or (with `predict`) the images a model predicts slice by slice. Slice rows are named `case [k]`.
 */
export async function evaluateVolumeFolders(
  sourceDir: string,
  truthDir: string,
  opts: VolumeFolderOptions = {},
): Promise<VolumeFolderEvaluation> {
  const sources = filesByStem(sourceDir, opts.predict ? 'images' : 'predictions');
  const truths = filesByStem(truthDir, 'masks');
  const unpaired: string[] = [];
  const pairs: [string, string, string][] = [];
  for (const [id, path] of sources) {
    if (opts.ids && !opts.ids.has(id)) continue;
    const t = truths.get(id);
    if (t) pairs.push([id, path, t]);
    else unpaired.push(path);
  }
  if (pairs.length === 0)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `No file in ${sourceDir} has a ground-truth volume of the same name in ${truthDir}`,
      { path: sourceDir },
    );
  const cases: CaseMetrics[] = [];
  const volumes: VolumeMetrics[] = [];
  for (const [id, sourcePath, truthPath] of pairs) {
    if (opts.signal?.aborted) throw new AppError(ErrorCode.CANCELLED, 'Evaluation cancelled');
    const truthStack = await readImageFile(truthPath, opts.signal ? { signal: opts.signal } : {});
    const source = await readImageFile(sourcePath, opts.signal ? { signal: opts.signal } : {});
    checkSameGrid(source, sourcePath, truthStack, truthPath);
    const truth = binarySlices(truthStack, truthPath);
    const pred = opts.predict
      ? await opts.predict(
          source.slices.map((s) => ({
            image: toUnit(s.pixels),
            rows: source.rows,
            cols: source.cols,
            channels: source.samplesPerPixel,
          })),
        )
      : binarySlices(source, sourcePath);
    const spacing = spacingOf(truthStack, truthPath, opts.spacing);
    truth.forEach((t, k) =>
      cases.push(
        caseMetrics(`${id} [${k + 1}]`, pred[k]!, t, truthStack.rows, truthStack.cols, [
          spacing[0],
          spacing[1],
        ]),
      ),
    );
    const grid = { rows: truthStack.rows, cols: truthStack.cols };
    volumes.push(volumeMetrics(id, { ...grid, slices: pred }, { ...grid, slices: truth }, spacing));
    opts.onProgress?.(volumes.length, pairs.length);
  }
  return {
    summary: summarize(cases),
    cases,
    unpaired,
    volumes: { summary: summarizeVolumes(volumes), cases: volumes, skipped: [] },
  };
}
