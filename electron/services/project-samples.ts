/**
 * Samples from a project's store: which images of a dataset a training run uses, and their pixels with,
 * per image, the best label there is for the chosen source. 'reviewed' = the human-corrected layer, else
 * the fused pseudo-label; 'ground_truth' = the edited ground truth, else the imported one; 'pseudo_label'
 * = the fused pseudo-label only; 'probability' = one teacher's probability map (soft targets).
 *
 * The splits assigned on Data are honoured: train trains, val validates, test never reaches either.
 * Images without a label of the chosen kind, excluded on Data, or rejected/excluded in review are left out.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TrainingPlan } from '../../shared/dto.js';
import type { ImageRecord, ProjectStore } from '../store/index.js';
import type { Sample } from '../students/dataset.js';
import type { SampleSource } from '../students/samples/source.js';
import { toUnit } from '../students/image-ops.js';
import { splitByAssignment, type UnassignedPolicy } from '../students/split.js';

export const LABEL_SOURCES = ['reviewed', 'ground_truth', 'pseudo_label', 'probability'] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];

export interface TrainingSelectionRequest {
  datasetId: number;
  labels: LabelSource;
  /** The teacher whose probability maps are the soft labels ('probability' only). */
  teacherId?: number;
  unassigned: UnassignedPolicy;
  /** Fraction of the unassigned cases that validate, with the 'split' policy. */
  valFraction: number;
  seed: number;
}

export interface TrainingSelection {
  train: ImageRecord[];
  val: ImageRecord[];
  /** The counts a person sees before starting (the Train screen, the CLI). */
  plan: TrainingPlan;
}

function checkTeacher(source: LabelSource, teacherId: number | undefined): void {
  if (source === 'probability' && teacherId === undefined)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      'Soft labels need the teacher whose probabilities to use',
      {
        field: 'teacherId',
      },
    );
}

/** Whether an image has a label of this kind, without decoding it. */
function hasLabel(store: ProjectStore, img: ImageRecord, source: LabelSource, teacherId?: number): boolean {
  switch (source) {
    case 'reviewed':
      return (
        store.edits.currentEdit(img.id, 'corrected') !== null ||
        store.masks.latest(img.id, 'pseudo_label') !== undefined
      );
    case 'ground_truth':
      return (
        store.edits.currentEdit(img.id, 'ground_truth') !== null ||
        store.masks.latest(img.id, 'ground_truth') !== undefined
      );
    case 'pseudo_label':
      return store.masks.latest(img.id, 'pseudo_label') !== undefined;
    case 'probability':
      return store.masks.latest(img.id, 'probability', teacherId) !== undefined;
  }
}

function labelOf(
  store: ProjectStore,
  img: ImageRecord,
  source: LabelSource,
  teacherId?: number,
): Uint8Array | null {
  const mask = (kind: 'ground_truth' | 'pseudo_label' | 'probability', t?: number) => {
    const m = store.masks.latest(img.id, kind, t);
    return m ? store.masks.read(m) : null;
  };
  switch (source) {
    case 'reviewed':
      return store.edits.current(img.id, 'corrected') ?? mask('pseudo_label');
    case 'ground_truth':
      return store.edits.current(img.id, 'ground_truth') ?? mask('ground_truth');
    case 'pseudo_label':
      return mask('pseudo_label');
    case 'probability':
      return mask('probability', teacherId);
  }
}

/** The grouping that keeps a patient on one side of a split. */
export function caseOf(img: ImageRecord): string {
  return img.source.caseId ?? img.source.patientId ?? img.source.seriesUid ?? img.source.path;
}

/** Which images train and which validate; reads no pixels, so the Train screen can show it as you type. */
export function selectTrainingImages(store: ProjectStore, req: TrainingSelectionRequest): TrainingSelection {
  checkTeacher(req.labels, req.teacherId);
  store.datasets.get(req.datasetId);
  // An unknown teacher is named as such, not reported as "no image has these labels".
  if (req.labels === 'probability') store.teachers.get(req.teacherId!);
  let excluded = 0;
  let unlabeled = 0;
  const usable: (ImageRecord & { caseId: string })[] = [];
  for (const img of store.images.list({ datasetId: req.datasetId })) {
    const review = store.review.get(img.id).state;
    if (!img.included || review === 'rejected' || review === 'excluded') excluded++;
    else if (!hasLabel(store, img, req.labels, req.teacherId)) unlabeled++;
    else usable.push({ ...img, caseId: caseOf(img) });
  }
  const split = splitByAssignment(usable, req.unassigned, req.valFraction, req.seed);
  const count = (list: { caseId: string }[]) => ({
    images: list.length,
    cases: new Set(list.map((i) => i.caseId)).size,
  });
  return {
    train: split.train,
    val: split.val,
    plan: {
      train: count(split.train),
      val: count(split.val),
      test: split.test.length,
      unassigned: usable.filter((i) => i.split === null).length,
      unassignedLeftOut: split.leftOut.length,
      unlabeled,
      excluded,
    },
  };
}

/** One selected image as a training sample: pixels scaled to [0, 1] and its label. */
function sampleOf(store: ProjectStore, img: ImageRecord, source: LabelSource, teacherId?: number): Sample {
  const mask = labelOf(store, img, source, teacherId);
  if (!mask)
    throw new AppError(ErrorCode.FAILED_PRECONDITION, `Image ${img.id} lost its ${source} label`, {
      imageId: img.id,
    });
  return {
    id: `image-${img.id}`,
    caseId: caseOf(img),
    rows: img.rows,
    cols: img.cols,
    channels: img.channels,
    image: toUnit(store.images.typedPixels(img.id)),
    mask,
    spacing: img.spacing,
  };
}

/**
 * The training samples of selected images as a streaming source: each image's pixels and label are
 * read from the store when training asks for them, so a dataset larger than memory trains
 * (students/samples/prepared-set.ts).
 */
export function projectSampleSource(
  store: ProjectStore,
  images: readonly ImageRecord[],
  source: LabelSource,
  teacherId?: number,
): SampleSource {
  checkTeacher(source, teacherId);
  return {
    refs: images.map((img) => ({ id: `image-${img.id}`, caseId: caseOf(img) })),
    load: async (i) => sampleOf(store, images[i]!, source, teacherId),
  };
}
