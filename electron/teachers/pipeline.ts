/**
 * Every teacher over a list of image files, in chunks: read a chunk, let each teacher predict it (each
 * batches as suits it), hand every image's maps to the caller, move on. Memory stays bounded by one chunk;
 * a file that cannot be read, or an image a teacher fails on, is reported and the rest go on.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readTeacherImages } from './images.js';
import type { TeacherImage } from './preprocess.js';
import type { PredictResult, TeacherRunner } from './runner.js';

export interface ImagePrediction {
  image: TeacherImage;
  file: string;
  /** One result per teacher, in the order the teachers were given. */
  results: PredictResult[];
}

export interface PipelineHooks {
  onPrediction(p: ImagePrediction): void | Promise<void>;
  /** A file that could not be read as an image. */
  onUnreadable?(file: string, error: AppError): void;
  onProgress?(doneFiles: number, totalFiles: number): void;
  signal?: AbortSignal;
}

export async function predictFiles(
  teachers: readonly TeacherRunner[],
  files: readonly string[],
  hooks: PipelineHooks,
  chunk = Math.max(8, ...teachers.map((t) => t.batchSize)),
): Promise<void> {
  let done = 0;
  for (let s = 0; s < files.length;) {
    if (hooks.signal?.aborted) throw new AppError(ErrorCode.CANCELLED, 'Inference was cancelled');
    const images: TeacherImage[] = [];
    const from: string[] = [];
    let used = 0;
    while (s + used < files.length && images.length < chunk) {
      const file = files[s + used++]!;
      try {
        for (const img of await readTeacherImages(file)) {
          images.push(img);
          from.push(file);
        }
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        hooks.onUnreadable?.(file, err);
      }
    }
    const perTeacher: PredictResult[][] = [];
    for (const t of teachers) perTeacher.push(images.length ? await t.predict(images) : []);
    for (let k = 0; k < images.length; k++)
      await hooks.onPrediction({ image: images[k]!, file: from[k]!, results: perTeacher.map((r) => r[k]!) });
    s += used;
    done += used;
    hooks.onProgress?.(done, files.length);
  }
}
