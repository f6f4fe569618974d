/**
 * Stage 1 of a transfer: every teacher over the transferal images (8-bit probability map per teacher),
 * the fused pseudo-label, the training targets (the fused label, replaced by a person's corrected mask
 * where one is given) and the review queue, most uncertain first: the images a person should look at
 * before the student learns from them.
 */
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvText } from '../../shared/csv.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { FusionReport } from '../../shared/fusion-report.js';
import type { TransferSpec } from '../../shared/transfer.js';
import { readImageFile } from '../io/read.js';
import { makeDirs } from '../util/atomic-write.js';
import { readBinaryMask, runFolder, to255 } from '../teachers/folder-run.js';
import { listFiles, fileStem } from '../util/files.js';
import { writeGreyPng } from '../teachers/png.js';
import type { TeacherRunner } from '../teachers/runner.js';
import { reviewQueue } from '../teachers/uncertainty.js';

export const PSEUDO_DIR = 'pseudo-labels';

export interface PseudoLabelResult {
  images: number;
  /** Images with a training target (fused or corrected). */
  labeled: number;
  corrected: number;
  failed: number;
  errors: { image: string; teacher?: string; message: string }[];
  /** Folder of training targets (0/255 PNG by image stem). */
  labels: string;
  /** Review queue, most uncertain first. */
  queue: string;
  /**
   * What the fusion did and why; its weights are reused on the test set. Absent only in a ledger written
   * before fusion was reported.
   */
  fusion?: FusionReport;
  seconds: number;
}

export interface StageHooks {
  signal?: AbortSignal;
  onProgress?(phase: string, done?: number, total?: number): void;
}

export async function pseudoLabel(
  spec: TransferSpec,
  teachers: readonly TeacherRunner[],
  hooks: StageHooks = {},
): Promise<PseudoLabelResult> {
  const t0 = performance.now();
  const root = join(spec.out, PSEUDO_DIR);
  // A rerun of this stage starts from nothing: no map of an earlier, interrupted attempt survives.
  rmSync(root, { recursive: true, force: true });
  const fusedDir = join(root, 'fused');
  const labels = join(root, 'labels');
  makeDirs(labels); // bounded, unlike Node's recursive mkdir (which loops under /proc)
  const run = await runFolder(teachers, {
    images: spec.transferal.images,
    out: fusedDir,
    probs: join(root, 'maps'),
    fusion: spec.fusion,
    post: spec.post,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onProgress: (done, total) => hooks.onProgress?.('pseudo-labelling', done, total),
  });
  return finishLabels(spec, root, run, t0);
}

/** What pass 1 and 2 made of the transferal set, from one process (runFolder) or from shards. */
export interface LabelledSet {
  images: number;
  failed: number;
  errors: readonly { image: string; teacher?: string; message: string }[];
  /** Every image, in order; `written` when its fused label is in pseudo-labels/fused/. */
  outcomes: readonly { image: string; written: boolean; disagreement?: number; entropy?: number }[];
  fusionReport: FusionReport;
}

/**
 * The rest of stage 1 once every fused label is in `root`/fused: the training targets (corrections in
 * place of their images' fused labels) and the review queue.
 */
export async function finishLabels(
  spec: TransferSpec,
  root: string,
  run: LabelledSet,
  t0: number,
): Promise<PseudoLabelResult> {
  const fusedDir = join(root, 'fused');
  const labels = join(root, 'labels');
  makeDirs(labels);
  const written = run.outcomes.filter((o) => o.written);
  for (const o of written) copyFileSync(join(fusedDir, `${o.image}.png`), join(labels, `${o.image}.png`));

  const corrected = new Set<string>();
  if (spec.transferal.corrections) {
    const byStem = new Map(listFiles(spec.transferal.corrections).map((f) => [fileStem(f), f]));
    const images = new Map(listFiles(spec.transferal.images).map((f) => [fileStem(f), f]));
    for (const [stem, file] of byStem) {
      const image = images.get(stem);
      if (!image)
        throw new AppError(
          ErrorCode.INVALID_ARGUMENT,
          `Correction ${file} has no transferal image named ${stem}`,
          { path: file },
        );
      const head = await readImageFile(image);
      const mask = await readBinaryMask(file, head.rows, head.cols, image);
      writeGreyPng(join(labels, `${stem}.png`), to255(mask), head.rows, head.cols);
      corrected.add(stem);
    }
  }

  const queue = reviewQueue(
    written.map((o) => ({ key: o.image, disagreement: o.disagreement ?? 0, entropy: o.entropy ?? 0 })),
  );
  const queueFile = join(root, 'review-queue.csv');
  // Through the one CSV writer: an image name with a comma or a quote stays one cell.
  writeFileSync(
    queueFile,
    csvText(
      ['rank', 'image', 'disagreement', 'entropy', 'corrected'],
      queue.map((q, k) => [
        k + 1,
        q.key,
        q.disagreement.toFixed(5),
        q.entropy.toFixed(5),
        corrected.has(q.key) ? 1 : 0,
      ]),
    ),
  );
  const labeled = new Set([...written.map((o) => o.image), ...corrected]).size;
  if (labeled === 0)
    throw new AppError(
      ErrorCode.FAILED_PRECONDITION,
      `No transferal image got a pseudo-label (${run.images} images, ${run.failed} failed): ${run.errors[0]?.message ?? 'nothing to read'}`,
      { path: spec.transferal.images },
    );
  return {
    images: run.images,
    labeled,
    corrected: corrected.size,
    failed: run.failed,
    errors: run.errors.slice(0, 50).map((e) => ({
      image: e.image,
      ...(e.teacher ? { teacher: e.teacher } : {}),
      message: e.message,
    })),
    labels,
    queue: queueFile,
    fusion: run.fusionReport,
    seconds: (performance.now() - t0) / 1000,
  };
}
