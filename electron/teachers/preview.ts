/**
 * "Test on 3 images" before a batch run: the teacher's probability map for a few images with the numbers
 * and warnings that give a wrong contract away (everything foreground: the output kind or foreground
 * channel is wrong; a flat map: the input scaling is wrong; values outside [0, 1]: logits declared as
 * probabilities).
 */
import type { ErrorPayload } from '../../shared/errors.js';
import { quantizeProbabilities } from '../store/mask-codec.js';
import type { TeacherImage } from './preprocess.js';
import type { TeacherRunner } from './runner.js';

export interface PreviewStats {
  foregroundFraction: number;
  minProbability: number;
  maxProbability: number;
  meanProbability: number;
}

export interface PreviewImage {
  name: string;
  rows: number;
  cols: number;
  channels: 1 | 3;
  /** The image as the teacher saw it (8-bit, interleaved RGB when 3 channels). */
  image: Uint8Array;
  /** Foreground probability x 255 on the image grid; null when the teacher failed on it. */
  probability: Uint8Array | null;
  stats: PreviewStats | null;
  warnings: string[];
  error?: ErrorPayload;
}

export interface TeacherPreview {
  teacher: string;
  images: PreviewImage[];
  /** Warnings about the teacher as a whole (the same symptom on every image). */
  warnings: string[];
}

export function previewStats(prob: Float32Array): PreviewStats {
  let fg = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (p > 0.5) fg++;
    if (p < min) min = p;
    if (p > max) max = p;
    sum += p;
  }
  return {
    foregroundFraction: fg / prob.length,
    minProbability: min,
    maxProbability: max,
    meanProbability: sum / prob.length,
  };
}

export function previewWarnings(s: PreviewStats): string[] {
  const w: string[] = [];
  if (s.minProbability < -1e-6 || s.maxProbability > 1 + 1e-6)
    w.push('probabilities outside [0, 1]: the output looks like logits; check the output kind');
  if (s.foregroundFraction > 0.9)
    w.push('output is almost all foreground: check the output kind and the foreground channel');
  else if (s.maxProbability - s.minProbability < 0.02)
    w.push('output is almost constant: check the input scaling/normalization and size');
  else if (s.foregroundFraction === 0) w.push('no foreground on this image');
  return w;
}

export async function previewTeacher(
  runner: TeacherRunner,
  images: readonly TeacherImage[],
): Promise<TeacherPreview> {
  const results = await runner.predict(images);
  const out: PreviewImage[] = images.map((img, k) => {
    const r = results[k]!;
    const base = {
      name: img.name,
      rows: img.rows,
      cols: img.cols,
      channels: img.channels,
      image: img.pixels,
    };
    if (!r.ok) return { ...base, probability: null, stats: null, warnings: [], error: r.error.toPayload() };
    const stats = previewStats(r.prob);
    return { ...base, probability: quantizeProbabilities(r.prob), stats, warnings: previewWarnings(stats) };
  });
  const warnings: string[] = [];
  const ok = out.filter((p) => p.stats);
  const all = (w: string) => ok.length > 0 && ok.every((p) => p.warnings.some((x) => x.startsWith(w)));
  if (ok.length === 0 && out.length > 0) warnings.push(`the teacher failed on all ${out.length} image(s)`);
  if (all('output is almost all foreground'))
    warnings.push(
      'every image is almost all foreground: the output kind or foreground channel is probably wrong',
    );
  if (all('no foreground'))
    warnings.push(
      'no foreground on any image: check the foreground channel, the output kind and the input scaling',
    );
  if (all('output is almost constant'))
    warnings.push('the output barely depends on the image: the input contract is probably wrong');
  return { teacher: runner.name, images: out, warnings };
}
