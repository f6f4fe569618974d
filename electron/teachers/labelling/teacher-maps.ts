/**
 * One teacher over a batch of images, with or without test-time augmentation: the map fusion uses (the
 * mean of the views, label-free/tta.ts, back on each image's grid) and the plain map (the identity view:
 * the teacher as it is, which scores the teacher on its own). Maps come back as they are stored, 8-bit,
 * so a label fused now equals one fused later from the stored maps (a resumed job, `apprentice fuse`).
 */
import { dequantizeProbabilities, quantizeProbabilities } from '../../store/mask-codec.js';
import { averageViews, unviewMap, viewImage, viewName, type TtaView } from '../label-free/tta.js';
import type { TeacherImage } from '../preprocess.js';
import type { PredictResult, TeacherRunner } from '../runner.js';
import type { AppError } from '../../../shared/errors.js';

export type TeacherMap =
  | {
      ok: true;
      /** The map fusion uses (TTA mean, or the plain map), 8-bit as stored. */
      stored: Uint8Array;
      /** The same, as probabilities. */
      prob: Float32Array;
      /** The teacher's plain answer (identity view), as probabilities. */
      plain: Float32Array;
    }
  | { ok: false; error: AppError };

/** A probability map as it reads back after 8-bit storage. */
export function asStored(prob: Float32Array): { stored: Uint8Array; prob: Float32Array } {
  const stored = quantizeProbabilities(prob);
  return { stored, prob: dequantizeProbabilities(stored) };
}

/**
 * Views a teacher can take: a folder of precomputed maps answers by file name and cannot see a flipped
 * or zoomed image, so it runs plain.
 */
export function viewsFor(runner: TeacherRunner, views: readonly TtaView[]): readonly TtaView[] {
  return runner.kind === 'masks' ? [{ kind: 'identity' }] : views;
}

/** The view names of a run with these views, for the report and the stored maps' parameters. */
export function viewNames(views: readonly TtaView[]): string[] {
  return views.length === 1 && views[0]!.kind === 'identity' ? [] : views.map(viewName);
}

/**
 * The runner's maps of `images` under `views` (identity first or not: the plain map is the identity
 * view's, or one plain run when the views lack it). An image fails when any of its views fails.
 */
export async function predictTeacherMaps(
  runner: TeacherRunner,
  images: readonly TeacherImage[],
  views: readonly TtaView[],
): Promise<TeacherMap[]> {
  const own = viewsFor(runner, views);
  const viewsWithPlain = own.some((v) => v.kind === 'identity')
    ? own
    : [{ kind: 'identity' } as const, ...own];
  const perView: PredictResult[][] = [];
  for (const v of viewsWithPlain) perView.push(await runner.predict(images.map((img) => viewImage(img, v))));
  return images.map((img, j) => {
    const results = perView.map((r) => r[j]!);
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) return { ok: false, error: failed.error };
    const maps = results.map((r, v) =>
      unviewMap((r as { prob: Float32Array }).prob, viewsWithPlain[v]!, img.rows, img.cols),
    );
    const plain = maps[viewsWithPlain.findIndex((v) => v.kind === 'identity')]!;
    const used =
      own.length === 1
        ? maps[viewsWithPlain.indexOf(own[0]!)]!
        : averageViews(maps.filter((_, v) => own.includes(viewsWithPlain[v]!)));
    return { ok: true, ...asStored(used), plain };
  });
}
