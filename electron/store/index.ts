// The project store's public surface: services import from here.
export {
  BACKUP_DIR,
  LOCK_FILE,
  PROJECT_DB_FILE,
  ProjectStore,
  isProjectFolder,
  type OpenReport,
  type ProjectCounts,
  type ProjectInfo,
} from './project-store.js';
export { SCHEMA_VERSION } from './schema/migrations.js';
export { CONTENT_DIR, ContentStore, isContentHash, sha256Hex, type GcResult } from './content-store.js';
export { writeFileAtomic } from '../util/atomic-write.js';
export { decodeMask, dequantizeProbabilities, encodeMask, quantizeProbabilities } from './mask-codec.js';
export { DATASET_ROLES, type Dataset, type DatasetRole, type NewDataset } from './datasets.js';
export {
  DTYPES,
  SOURCE_KINDS,
  SPLITS,
  type ImageFilter,
  type ImageRecord,
  type ImageSource,
  type NewImage,
  type PixelDtype,
  type SourceKind,
  type Split,
} from './images.js';
export { TEACHER_KINDS, type NewTeacher, type Teacher, type TeacherKind } from './teachers.js';
export { MASK_KINDS, type MaskKind, type MaskRecord, type NewMask } from './masks.js';
export { EDIT_LAYERS, type EditLayer, type EditOp, type EditRecord, type EditState } from './edits.js';
export { REVIEW_STATES, type Review, type ReviewPatch, type ReviewState } from './review.js';
export { JOB_STATES, type Job, type JobState } from './jobs.js';
export { type Metric, type MetricFilter, type NewMetric } from './metrics.js';
export { Evaluations, TransferRuns } from './results.js';
export {
  EXPORT_KINDS,
  type Checkpoint,
  type ExportKind,
  type ExportRecord,
  type Student,
} from './exports.js';
