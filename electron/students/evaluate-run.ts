/**
 * Evaluation against ground truth, per case: a folder of predicted masks, or a model run on a folder
 * of images (its probabilities mapped back to each image's own grid with the inverse of the stretch
 * resize, then thresholded at 0.5). Metrics are computed on the ground truth's grid.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readLayersModel } from './export/tfjs-layers.js';
import { caseMetrics, summarize, type CaseMetrics, type EvaluationSummary } from '../engine/metrics/index.js';
import type * as tf from '../engine/tf.js';
import { inferenceModel } from '../engine/zoo/index.js';
import { loadFolderSamples, prepareInput, type Sample } from './dataset.js';
import { resizeBilinear } from '../engine/image/resize.js';
import { modelGeometry, predictProbabilities, toLabels } from './predict.js';
import { evaluateVolumeFolders, isVolumeFolder, type VolumeResult } from './evaluate-volumes.js';

export interface Evaluation {
  summary: EvaluationSummary;
  cases: CaseMetrics[];
  /** Images or predictions without a partner, by path. */
  unpaired: string[];
  /** Ground truth of NIfTI volumes: each volume scored whole (3-D Dice, HD95 in mm) besides its slices. */
  volumes?: VolumeResult;
}

export interface EvaluateOptions {
  /** Pixel spacing [row, col] in mm for every image, when the files do not carry it (PNG). */
  spacing?: [number, number];
  /** Only these ids (file stems), e.g. one validation fold. */
  ids?: ReadonlySet<string>;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/** The model.json folder of a model path: a model folder, a training output (OUT/model) or an export (tfjs/). */
export function resolveModelDir(path: string): string {
  for (const dir of [path, join(path, 'model'), join(path, 'tfjs')])
    if (existsSync(join(dir, 'model.json'))) return dir;
  if (path.endsWith('.json') && existsSync(path)) return path;
  throw new AppError(ErrorCode.NOT_FOUND, `No TF.js model (model.json) at ${path}`, { path });
}

export function truthOf(s: Sample): Uint8Array {
  return s.mask!.map((v) => (v > 0 ? 1 : 0));
}

export async function evaluateMaskFolders(
  predDir: string,
  truthDir: string,
  opts: EvaluateOptions = {},
): Promise<Evaluation> {
  if (isVolumeFolder(truthDir)) return evaluateVolumeFolders(predDir, truthDir, opts);
  // The predictions take the images' place: pairing, size checks and file errors are the same.
  const { samples, unpaired } = await loadFolderSamples(predDir, truthDir, opts.ids ? { ids: opts.ids } : {});
  const cases: CaseMetrics[] = [];
  for (const s of samples) {
    if (opts.signal?.aborted) throw new AppError(ErrorCode.CANCELLED, 'Evaluation cancelled');
    const pred = new Uint8Array(s.rows * s.cols);
    for (let i = 0; i < pred.length; i++) pred[i] = s.image[i * s.channels]! > 0 ? 1 : 0;
    cases.push(caseMetrics(s.id, pred, truthOf(s), s.rows, s.cols, opts.spacing ?? s.spacing));
    opts.onProgress?.(cases.length, samples.length);
  }
  return { summary: summarize(cases), cases, unpaired };
}

/** Foreground/label map of one sample on its own grid from a model's probabilities on the model grid. */
export function labelsOnImageGrid(
  probs: Float32Array,
  size: number,
  classes: number,
  rows: number,
  cols: number,
): Uint8Array {
  return toLabels(resizeBilinear(probs, size, size, rows, cols, { channels: classes }), classes);
}

export async function evaluateModel(
  modelPath: string,
  imagesDir: string,
  truthDir: string,
  opts: EvaluateOptions = {},
): Promise<Evaluation> {
  const { model: loaded } = await readLayersModel(resolveModelDir(modelPath));
  const model: tf.LayersModel = inferenceModel(loaded);
  try {
    const g = modelGeometry(model);
    // Volumes: the student predicts slice by slice; the slices are stacked back and scored whole too.
    if (isVolumeFolder(truthDir))
      return await evaluateVolumeFolders(imagesDir, truthDir, {
        ...opts,
        predict: async (slices) => {
          const out: Uint8Array[] = [];
          for (let i = 0; i < slices.length; i += 8) {
            const chunk = slices.slice(i, i + 8);
            const probs = await predictProbabilities(
              model,
              chunk.map((s) => prepareInput(s, g.size, g.inChannels)),
              8,
            );
            chunk.forEach((s, k) =>
              out.push(
                labelsOnImageGrid(probs[k]!, g.size, g.classes, s.rows, s.cols).map((v) => (v > 0 ? 1 : 0)),
              ),
            );
            await new Promise((r) => setImmediate(r));
          }
          return out;
        },
      });
    const { samples, unpaired } = await loadFolderSamples(
      imagesDir,
      truthDir,
      opts.ids ? { ids: opts.ids } : {},
    );
    const cases: CaseMetrics[] = [];
    const batch = 8;
    for (let i = 0; i < samples.length; i += batch) {
      if (opts.signal?.aborted) throw new AppError(ErrorCode.CANCELLED, 'Evaluation cancelled');
      const chunk = samples.slice(i, i + batch);
      const probs = await predictProbabilities(
        model,
        chunk.map((s) => prepareInput(s, g.size, g.inChannels)),
        batch,
      );
      chunk.forEach((s, k) => {
        const pred = labelsOnImageGrid(probs[k]!, g.size, g.classes, s.rows, s.cols);
        const truth = g.classes === 1 ? truthOf(s) : s.mask!;
        cases.push(
          caseMetrics(
            s.id,
            g.classes === 1 ? pred : pred.map((v) => (v > 0 ? 1 : 0)),
            g.classes === 1 ? truth : truth.map((v) => (v > 0 ? 1 : 0)),
            s.rows,
            s.cols,
            opts.spacing ?? s.spacing,
          ),
        );
      });
      opts.onProgress?.(cases.length, samples.length);
      await new Promise((r) => setImmediate(r)); // let the event loop breathe between batches
    }
    return { summary: summarize(cases), cases, unpaired };
  } finally {
    loaded.dispose();
  }
}
