/**
 * Training/evaluation samples: an image (scaled to [0, 1]) and its target on the image's own grid, from
 * folders paired by file name or from a project's store (samples/), then resized to the model's input.
 * Bad input (no pairs, an unreadable file, an image/mask size mismatch) is an AppError naming the files.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { resizeBilinear } from '../engine/image/resize.js';
import { convertChannels } from './image-ops.js';

import type { Prepared, PrepareSpec, Sample, TargetMode } from './samples/sample.js';

// The sample types and folder reading live with the sample sources (samples/); re-exported for callers.
export type { Prepared, PrepareSpec, Sample, TargetMode } from './samples/sample.js';
export { loadFolderSamples, type FolderOptions } from './samples/folder-source.js';

/** Image resized to the model grid with the model's channel count (the card's preprocessing). */
export function prepareInput(
  s: Pick<Sample, 'image' | 'rows' | 'cols' | 'channels'>,
  size: number,
  inChannels: number,
): Float32Array {
  const x = convertChannels(s.image, s.rows * s.cols, s.channels, inChannels);
  return resizeBilinear(x, s.rows, s.cols, size, size, { channels: inChannels });
}

/** Target on the model grid: binary/soft targets bilinear (binary re-thresholded), labels one-hot (nearest). */
export function prepareTarget(s: Sample, size: number, mode: TargetMode, classes: number): Float32Array {
  if (!s.mask) throw new AppError(ErrorCode.INVALID_ARGUMENT, `Image ${s.id} has no mask`, { id: s.id });
  const n = s.rows * s.cols;
  if (mode === 'labels') {
    const out = new Float32Array(size * size * classes);
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) {
        const sr = Math.min(s.rows - 1, Math.floor(((r + 0.5) * s.rows) / size));
        const sc = Math.min(s.cols - 1, Math.floor(((c + 0.5) * s.cols) / size));
        const label = s.mask[sr * s.cols + sc]!;
        if (label >= classes)
          throw new AppError(
            ErrorCode.BAD_FILE,
            `Mask of ${s.id} has label ${label} but the model has ${classes} classes`,
            { id: s.id },
          );
        out[(r * size + c) * classes + label] = 1;
      }
    return out;
  }
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = mode === 'soft' ? s.mask[i]! / 255 : s.mask[i]! > 0 ? 1 : 0;
  const y = resizeBilinear(t, s.rows, s.cols, size, size);
  if (mode === 'binary') for (let i = 0; i < y.length; i++) y[i] = y[i]! >= 0.5 ? 1 : 0;
  return y;
}

export function prepareSample(s: Sample, spec: PrepareSpec): Prepared {
  return {
    id: s.id,
    x: prepareInput(s, spec.size, spec.inChannels),
    y: prepareTarget(s, spec.size, spec.mode, spec.classes),
  };
}

export function prepare(
  samples: readonly Sample[],
  size: number,
  inChannels: number,
  mode: TargetMode,
  classes: number,
): Prepared[] {
  return samples.map((s) => prepareSample(s, { size, inChannels, mode, classes }));
}
