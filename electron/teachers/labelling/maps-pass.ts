/**
 * Pass 1 alone, for part of a set (a shard of a cluster job array): every teacher over some image files,
 * each teacher's map stored as the single run stores it (8-bit PNG under maps/<teacher>/<stem>.png) and
 * each image's agreement scores, so a later pass 2 over the whole set (fuseStored) weighs the teachers
 * with the same numbers a single run would have. The set's fusion settings are made in one place
 * (fusionFor), for this pass, the single run (folder-run.ts) and the pass 2 after shards alike.
 */
import { join } from 'node:path';
import { AppError } from '../../../shared/errors.js';
import { DEFAULT_FUSION_METHOD } from '../../../shared/recipe.js';
import { makeDirs } from '../../util/atomic-write.js';
import { fileStem } from '../../util/files.js';
import type { FusionOptions } from '../fusion.js';
import { readTeacherImages } from '../images.js';
import { agreementScores } from '../label-free/agreement-weights.js';
import type { TtaView } from '../label-free/tta.js';
import { writeGreyPng } from '../png.js';
import type { TeacherImage } from '../preprocess.js';
import type { TeacherRunner } from '../runner.js';
import { SetFusion } from './set-fusion.js';
import { predictTeacherMaps, viewNames, type TeacherMap } from './teacher-maps.js';
import { ttaViewsOf } from './tta-settings.js';

/**
 * The fusion of a set by these teachers under `options` (unset: 'auto' with several teachers, one
 * teacher's map cut at 0.5 alone), and the views the teachers run on for it.
 */
export function fusionFor(
  names: readonly string[],
  options: FusionOptions | undefined,
  reuseWeights?: readonly number[],
): { fusion: SetFusion; views: readonly TtaView[] } {
  const chosen = options ?? (names.length > 1 ? {} : { method: 'mean' as const });
  const method = chosen.method ?? DEFAULT_FUSION_METHOD;
  const views = ttaViewsOf({ ...chosen, method });
  const fusion = new SetFusion(names, {
    ...chosen,
    method,
    ttaViews: viewNames(views),
    ...(reuseWeights ? { reuseWeights } : {}),
  });
  return { fusion, views };
}

/** The folder a teacher's maps or masks go to, under a maps root. */
export function teacherDirName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

/** One image after pass 1: its grid and agreement scores, or null scores when a teacher failed on it. */
export interface MappedImage {
  name: string;
  rows: number;
  cols: number;
  scores: number[] | null;
}

export interface MapsPassResult {
  /** Images seen (a file that cannot be read counts as one, failed). */
  images: number;
  failed: number;
  errors: { image: string; teacher?: string; code: string; message: string }[];
  /** In file order, then slice order. */
  mapped: MappedImage[];
}

export interface MapsPassRequest {
  files: readonly string[];
  /** Maps go to <mapsRoot>/<teacher>/<stem>.png. */
  mapsRoot: string;
  views: readonly TtaView[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  throwIfCancelled: () => void;
}

/** Pass 1 over `files`, chunk by chunk (the single run's chunk size): maps stored, scores returned. */
export async function mapsPass(
  teachers: readonly TeacherRunner[],
  req: MapsPassRequest,
): Promise<MapsPassResult> {
  const names = teachers.map((t) => t.name);
  const dirs = names.map((n) => join(req.mapsRoot, teacherDirName(n)));
  for (const d of dirs) makeDirs(d);
  const out: MapsPassResult = { images: 0, failed: 0, errors: [], mapped: [] };
  const chunkSize = Math.max(8, ...teachers.map((r) => r.batchSize));
  for (let from = 0; from < req.files.length; from += chunkSize) {
    req.throwIfCancelled();
    const images: TeacherImage[] = [];
    for (const file of req.files.slice(from, from + chunkSize))
      try {
        images.push(...(await readTeacherImages(file)));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        out.images++;
        out.failed++;
        out.errors.push({ image: fileStem(file), code: err.code, message: err.message });
      }
    const perTeacher: TeacherMap[][] = [];
    for (const r of teachers)
      perTeacher.push(images.length ? await predictTeacherMaps(r, images, req.views) : []);
    images.forEach((img, j) => {
      out.images++;
      const maps = perTeacher.map((m) => m[j]!);
      const probs: Float32Array[] = [];
      maps.forEach((m, k) => {
        if (m.ok) {
          writeGreyPng(join(dirs[k]!, `${img.name}.png`), m.stored, img.rows, img.cols);
          probs.push(m.prob);
        } else
          out.errors.push({
            image: img.name,
            teacher: names[k]!,
            code: m.error.code,
            message: m.error.message,
          });
      });
      // A label from only some of the teachers would not be what was asked for: the image is skipped.
      const ok = probs.length === maps.length;
      if (!ok) out.failed++;
      out.mapped.push({
        name: img.name,
        rows: img.rows,
        cols: img.cols,
        scores: ok ? agreementScores(probs) : null,
      });
    });
    req.onProgress?.(Math.min(from + chunkSize, req.files.length), req.files.length);
  }
  return out;
}
