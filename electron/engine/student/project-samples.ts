/**
 * Samples from a project's store: a dataset's included images with, per image, the best label there is
 * for the chosen source. 'reviewed' = the human-corrected layer, else the fused pseudo-label; 'ground_truth'
 * = the edited ground truth, else the imported one; 'pseudo_label' = the fused pseudo-label only;
 * 'probability' = one teacher's probability map (soft targets). Images without such a label are skipped.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { ImageRecord, ProjectStore } from '../../store/index.js';
import type { Sample } from './dataset.js';
import { toUnit } from './image-ops.js';

export const LABEL_SOURCES = ['reviewed', 'ground_truth', 'pseudo_label', 'probability'] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];

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
      if (teacherId === undefined)
        throw new AppError(
          ErrorCode.INVALID_ARGUMENT,
          'Soft labels need the teacher whose probabilities to use',
          { field: 'teacherId' },
        );
      return mask('probability', teacherId);
  }
}

export function projectSamples(
  store: ProjectStore,
  datasetId: number,
  source: LabelSource,
  teacherId?: number,
): { samples: Sample[]; unlabeled: number } {
  const samples: Sample[] = [];
  let unlabeled = 0;
  for (const img of store.images.list({ datasetId, included: true })) {
    const raw = labelOf(store, img, source, teacherId);
    if (!raw) {
      unlabeled++;
      continue;
    }
    samples.push({
      id: `image-${img.id}`,
      caseId: img.source.caseId ?? img.source.patientId ?? img.source.seriesUid ?? img.source.path,
      rows: img.rows,
      cols: img.cols,
      channels: img.channels,
      image: toUnit(store.images.typedPixels(img.id)),
      mask: raw,
      spacing: img.spacing,
    });
  }
  return { samples, unlabeled };
}
