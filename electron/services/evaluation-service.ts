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
import type { ImageRecord, Split } from '../store/images.js';
import { evaluateVolumes } from './volume-evaluation.js';

/** An image's masks by source: each teacher (p > 0.5), the fused pseudo-label, the reviewed mask. */
function sourceMasks(
  store: ProjectStore,
  img: ImageRecord,
  teacherNames: Map<number, string>,
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const m of store.masks.probabilityMaps(img.id)) {
    const prob = store.masks.read(m);
    out.set(
      `teacher: ${teacherNames.get(m.teacherId!) ?? m.teacherId}`,
      prob.map((q) => (q >= 128 ? 1 : 0)),
    );
  }
  const fused = store.masks.latest(img.id, 'pseudo_label');
  const fusedMask = fused ? store.masks.read(fused) : undefined;
  if (fusedMask) out.set('fused pseudo-label', fusedMask);
  const corrected = store.edits.current(img.id, 'corrected');
  if (corrected || fusedMask) out.set('reviewed', corrected ?? fusedMask!);
  return out;
}

/** `split`: only the images assigned to it on Data (e.g. the held-out test images); default all. */
export function evaluateDataset(store: ProjectStore, datasetId: number, split?: Split): EvaluationReport {
  store.datasets.get(datasetId);
  const all = store.images.list({ datasetId, ...(split ? { split } : {}) });
  const images = all.filter((i) => store.masks.latest(i.id, 'ground_truth'));
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
    for (const [source, pred] of sourceMasks(store, img, teacherNames))
      add(source, { ...caseMetrics(name, pred, truth, img.rows, img.cols, img.spacing), imageId: img.id });
  }
  // CT/MR series and NIfTI volumes are also scored whole (3-D Dice, HD95 in mm), from every slice.
  const volumes = evaluateVolumes(store, all, [...rows.keys()], (img) =>
    sourceMasks(store, img, teacherNames),
  );
  return {
    datasetId,
    images: images.length,
    sources: [...rows.entries()].map(([source, cases]) => ({
      source,
      summary: summarize(cases),
      cases,
      ...(volumes ? { volumes: volumes.get(source)! } : {}),
    })),
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
