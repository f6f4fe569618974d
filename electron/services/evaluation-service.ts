/**
 * Evaluation inside a project: every image of a dataset that has ground truth, scored for each teacher
 * (its probability > 0.5), the fused pseudo-label and the reviewed mask (the person's correction, else
 * the pseudo-label). A student is scored once it has labelled the dataset as a teacher (exported
 * students import as teachers). Metrics and conventions are those of electron/engine/metrics.
 */
import { basename } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { EvaluationReport, SavedEvaluation } from '../../shared/dto.js';
import { caseMetrics, summarize, type CaseMetrics } from '../engine/metrics/index.js';
import type { ProjectStore } from '../store/index.js';
import type { Split } from '../store/images.js';

/** `split`: only the images assigned to it on Data (e.g. the held-out test images); default all. */
export function evaluateDataset(store: ProjectStore, datasetId: number, split?: Split): EvaluationReport {
  store.datasets.get(datasetId);
  const images = store.images
    .list({ datasetId, ...(split ? { split } : {}) })
    .filter((i) => store.masks.latest(i.id, 'ground_truth'));
  if (!images.length) {
    throw new AppError(
      ErrorCode.FAILED_PRECONDITION,
      split
        ? `No ${split} image of this dataset has ground truth to evaluate against`
        : 'No image of this dataset has ground truth to evaluate against',
      { datasetId, ...(split ? { split } : {}) },
    );
  }
  const rows = new Map<string, (CaseMetrics & { imageId: number })[]>();
  const add = (source: string, row: CaseMetrics & { imageId: number }) => {
    const list = rows.get(source);
    if (list) list.push(row);
    else rows.set(source, [row]);
  };
  const teacherNames = new Map(store.teachers.list().map((t) => [t.id, t.name]));
  for (const img of images) {
    const truth = store.masks.read(store.masks.latest(img.id, 'ground_truth')!);
    const name =
      basename(img.source.path) + (img.source.sliceIndex !== null ? ` [${img.source.sliceIndex + 1}]` : '');
    const score = (source: string, pred: Uint8Array) =>
      add(source, { ...caseMetrics(name, pred, truth, img.rows, img.cols, img.spacing), imageId: img.id });
    for (const m of store.masks.probabilityMaps(img.id)) {
      const prob = store.masks.read(m);
      score(
        `teacher: ${teacherNames.get(m.teacherId!) ?? m.teacherId}`,
        prob.map((q) => (q >= 128 ? 1 : 0)),
      );
    }
    const fused = store.masks.latest(img.id, 'pseudo_label');
    if (fused) score('fused pseudo-label', store.masks.read(fused));
    const corrected = store.edits.current(img.id, 'corrected');
    if (corrected || fused) score('reviewed', corrected ?? store.masks.read(fused!));
  }
  return {
    datasetId,
    images: images.length,
    sources: [...rows.entries()].map(([source, cases]) => ({ source, summary: summarize(cases), cases })),
  };
}

/**
 * Evaluates as asked and keeps the result in the project (settings, date, summary and per-image rows),
 * so that it is still there after a restart. `settings` is the request as made.
 */
export function runEvaluation(
  store: ProjectStore,
  settings: { datasetId: number; split?: Split } & Record<string, unknown>,
): SavedEvaluation {
  const report = evaluateDataset(store, settings.datasetId, settings.split);
  return store.evaluations.add({
    report,
    datasetName: store.datasets.get(settings.datasetId).name,
    settings,
  });
}
