/** Data that crosses the process boundary. Plain objects only: they must survive structured clone and JSON. */
import type { FusionSettingsInput, PostSettings } from './recipe.js';
import type { ComputeInfo, ComputeBackendChoice, TeacherProviderChoice } from './compute.js';

export interface AppInfo {
  name: string;
  version: string;
  /** 'electron' (desktop app) or 'web' (the browser shell served by `apprentice web`). */
  shell: 'electron' | 'web';
  platform: string;
  arch: string;
  versions: Record<string, string>;
  /** Null until the compute engine has been initialised (it is, lazily, on the first getAppInfo). */
  compute: ComputeInfo | null;
  userDataDir: string;
  logFile: string;
}

export interface Settings {
  /** Compute backend preference; APPRENTICE_BACKEND in the environment overrides it. */
  computeBackend: ComputeBackendChoice;
  /** Where ONNX teachers run; APPRENTICE_TEACHER_PROVIDER in the environment overrides it. */
  teacherProvider: TeacherProviderChoice;
  /** Where new projects are proposed; null means the user's home folder. */
  defaultProjectsDir: string | null;
  /** How many recent projects to remember. */
  recentProjectsLimit: number;
  /** Log verbosity of the main process's rotating log file. */
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Overlay opacity in the slice viewer (0..1). */
  overlayOpacity: number;
  /** Review: after Accept, open the next image of the queue. */
  advanceOnAccept: boolean;
}

export type SettingsPatch = Partial<Settings>;

export interface RecentProject {
  path: string;
  name: string;
  openedAt: string;
  /** False when the folder is gone or no longer holds a project: shown greyed, with a "forget" button. */
  exists: boolean;
}

export interface ProjectSummary {
  id: string;
  name: string;
  path: string;
  createdAt: string;
  schemaVersion: number;
  createdWithAppVersion: string;
  counts: Record<string, number>;
}

export interface FolderEntry {
  name: string;
  path: string;
  /** False for files (listed only when extensions were asked for). */
  isDirectory: boolean;
  isProject: boolean;
}

export interface FolderListing {
  path: string;
  parent: string | null;
  entries: FolderEntry[];
}

export const DATASET_ROLES = ['transferal', 'labeled', 'test', 'other'] as const;
export type DatasetRoleName = (typeof DATASET_ROLES)[number];

export interface DatasetSummary {
  id: number;
  name: string;
  role: DatasetRoleName;
  sourcePath: string | null;
  createdAt: string;
  imageCount: number;
  /**
   * Images alone in their case: without a case, or the only image of theirs. When nearly all are, splits
   * by case cannot keep a patient's images together (the Data screen says so).
   */
  loneImages: number;
}

/** What deleting a dataset removed: its images with their masks, edits and review state. */
export interface DatasetDeletion {
  datasetId: number;
  name: string;
  images: number;
  /** Content blobs no longer referenced by any row, removed from the project's content store. */
  bytesFreed: number;
}

/** What an import did: the result of an 'import' job. */
export interface ImportSummary {
  datasetId: number;
  dataset: string;
  /** Slices stored. */
  imported: number;
  /** Slices already in the dataset (same source file and frame), not stored twice. */
  duplicates: number;
  /** Slices stored together with a ground-truth mask. */
  withMasks: number;
  /** Series, volumes or single images read. */
  stacks: number;
  /** Files looked at and not imported, each with the reason. */
  skipped: { path: string; code: string; reason: string }[];
  /**
   * Files imported although they could not be decoded exactly (e.g. a palette image shown as grey
   * indices), one entry per warning; the images keep their warnings (ImagePixels.warnings).
   */
  warnings: { path: string; warning: string }[];
}

export const REVIEW_STATES = ['unreviewed', 'accepted', 'corrected', 'rejected', 'excluded'] as const;
export type ReviewStateName = (typeof REVIEW_STATES)[number];

/** One row of the review queue / image browser. */
export interface ImageListItem {
  id: number;
  datasetId: number;
  /** Display name: the source file's name, with frame/slice when the file holds several. */
  name: string;
  rows: number;
  cols: number;
  status: ReviewStateName;
  flagged: boolean;
  hasGroundTruth: boolean;
  hasPseudoLabel: boolean;
  hasCorrection: boolean;
  included: boolean;
  tags: string[];
  split: 'train' | 'val' | 'test' | null;
  /** The case/patient the image belongs to (splits keep a case together). */
  caseId: string | null;
}

/** Which images a page lists: every field narrows; an omitted one does not. */
export interface ImagePageFilter {
  datasetId?: number;
  status?: ReviewStateName;
  /** 'none': the images without a split. */
  split?: 'train' | 'val' | 'test' | 'none';
  /** False: only images included in training; omitted or true: excluded ones too. */
  includeExcluded?: boolean;
  flagged?: boolean;
  /** True: only images with a pseudo-label (the review queue a pseudo-labelling run links to). */
  pseudoLabelled?: boolean;
}

/**
 * One page of the image list, filtered, searched and sorted by the project's database, so that a screen
 * never loads a 50,000-image list to show 100 of it (listImagesPage).
 */
export interface ImagePageQuery {
  /** Default 0. */
  offset?: number;
  /** Default 100, at most 1000. */
  limit?: number;
  filter?: ImagePageFilter;
  /** Case-insensitive part of the display name (file name), or of a tag. */
  search?: string;
  /** 'name' (default): import order, as listImages. 'uncertainty': most uncertain first, the review queue. */
  sort?: 'name' | 'uncertainty';
}

export interface ImagePage {
  items: ImageListItem[];
  /** How many images match the filter and search in all (for the scrollbar and "n of m"). */
  total: number;
  offset: number;
}

export type PixelDtypeName =
  'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/** A slice with its pixels in full precision (16-bit stays 16-bit: window/level happens in the viewer). */
export interface ImagePixels {
  id: number;
  name: string;
  rows: number;
  cols: number;
  channels: number;
  dtype: PixelDtypeName;
  pixels:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array;
  /** Row and column spacing in mm, when the source says. */
  spacing: [number, number] | null;
  range: { min: number; max: number };
  /** A sensible default display window (the full range, or a robust percentile window). */
  window: { center: number; width: number };
  source: { path: string; frameIndex: number | null; sliceIndex: number | null; kind: string };
  /**
   * DICOM Modality (CT, MR, US, ...): the viewer offers Hounsfield presets for CT only. Null when the
   * source does not say (PNG, NIfTI) or its file can no longer be read.
   */
  modality: string | null;
  /** What could not be decoded exactly in the source file (shown next to the image); [] when exact. */
  warnings: string[];
}

export interface MaskEditState {
  canUndo: boolean;
  canRedo: boolean;
  /** Edits recorded for this image (all branches). */
  edits: number;
  /** When the current state was saved (ISO), null when nothing has been drawn. */
  savedAt: string | null;
}

/** The mask layers of one image: each rows x cols, one byte per pixel. */
export interface ImageMasks {
  imageId: number;
  /** What the person drew (the current state of the edit history), null before the first edit. */
  corrected: Uint8Array | null;
  groundTruth: Uint8Array | null;
  /** The fused pseudo-label of the teachers, when there is one. */
  pseudoLabel: Uint8Array | null;
  /** Each teacher's foreground probability, quantized to 0..255 (p = value / 255). */
  teachers: { teacherId: number; name: string; probability: Uint8Array }[];
  /**
   * Where the teachers disagree: the standard deviation of their probabilities, scaled so that 255 is
   * the largest possible (half say 0, half say 1). Null with fewer than two teachers.
   */
  disagreement: Uint8Array | null;
  edit: MaskEditState;
  review: { status: ReviewStateName; flagged: boolean; note: string };
}

export interface Thumbnail {
  imageId: number;
  width: number;
  height: number;
  /** Grey levels 0..255 (the image's default window), width x height. */
  pixels: Uint8Array;
}

export interface SplitSummary {
  train: { images: number; cases: number };
  val: { images: number; cases: number };
  test: { images: number; cases: number };
}

export interface NearDuplicateGroup {
  imageIds: number[];
  names: string[];
}

export const MASK_EXPORT_FORMATS = ['png', 'nifti', 'dicom-seg'] as const;
export const MASK_EXPORT_LAYERS = ['reviewed', 'ground_truth', 'pseudo_label'] as const;

/** What a mask export wrote: the result of an 'export-masks' job. */
export interface MaskExportSummary {
  outDir: string;
  format: (typeof MASK_EXPORT_FORMATS)[number];
  files: string[];
  skipped: { name: string; reason: string }[];
}

export interface TeacherSummary {
  id: number;
  name: string;
  kind: 'onnx' | 'tfjs' | 'masks' | 'other';
  /** From the card, when it says. */
  architecture: string | null;
  /** One line: "N x 1 x 256 x 256, letterbox, logits". */
  contract: string;
  createdAt: string;
}

export interface TeacherPreviewImage {
  name: string;
  rows: number;
  cols: number;
  channels: 1 | 3;
  /** The image as the teacher saw it (8-bit; interleaved RGB for 3 channels). */
  image: Uint8Array;
  /** Foreground probability x 255 on the image grid; null when the teacher failed on it. */
  probability: Uint8Array | null;
  stats: {
    foregroundFraction: number;
    minProbability: number;
    maxProbability: number;
    meanProbability: number;
  } | null;
  warnings: string[];
  error?: { code: string; message: string };
}

export interface TeacherPreviewResult {
  teacher: string;
  images: TeacherPreviewImage[];
  /** Warnings about the teacher as a whole, and what was assumed about its contract. */
  warnings: string[];
  assumed: string[];
}

export interface PseudoLabelOptions {
  teacherIds: number[];
  datasetId: number;
  fusion?: FusionSettingsInput;
  post?: Partial<PostSettings>;
}

/** Which labels a student learns from: corrections where made (else the fused pseudo-label), or one kind only. */
export const STUDENT_LABEL_SOURCES = ['reviewed', 'ground_truth', 'pseudo_label', 'probability'] as const;
export type StudentLabelSource = (typeof STUDENT_LABEL_SOURCES)[number];

export interface StudentPreset {
  name: string;
  arch: string;
  description: string;
}

export interface TrainStudentRequest {
  /** Names the student and its folder (<project>/students/<name>); the same name resumes a stopped run. */
  name: string;
  preset: string;
  size: number;
  datasetId: number;
  labels: StudentLabelSource;
  /** With labels 'probability': the teacher whose stored probability maps are the soft targets. */
  teacherId?: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Fraction of the unassigned cases held out for validation when `unassigned` is 'split'. */
  valFraction: number;
  /** What images without an assigned split are used for (default 'split'); assigned test images never train. */
  unassigned?: UnassignedSplitPolicy;
  seed: number;
  augment: boolean;
  /** Stop after this many epochs without a better validation Dice (0 = never). */
  patience: number;
  /** Continue from the last checkpoint of a stopped or crashed run of the same name. */
  resume: boolean;
  /** Fine-tune: start from this model folder (a student's) instead of a fresh network. */
  fromModel?: string;
  freezeEncoder?: boolean;
}

/**
 * Images without an assigned split: all for training, split by case with the validation fraction, or
 * left out. Images assigned train/val are used as assigned; test images are never trained or validated on.
 */
export const UNASSIGNED_SPLIT_POLICIES = ['train', 'split', 'exclude'] as const;
export type UnassignedSplitPolicy = (typeof UNASSIGNED_SPLIT_POLICIES)[number];

/** Exactly which images of a dataset a training run would use, before it starts. */
export interface TrainingPlan {
  train: { images: number; cases: number };
  val: { images: number; cases: number };
  /** Test images (assigned, or unassigned images of a test case): never used for training or validation. */
  test: number;
  /** Usable images without an assigned split (those of a case with assigned images follow their case). */
  unassigned: number;
  /** Unassigned images left out by the 'exclude' setting. */
  unassignedLeftOut: number;
  /** Included images without a label of the chosen kind. */
  unlabeled: number;
  /** Images excluded from training on Data, or rejected/excluded in review. */
  excluded: number;
}

/** A training folder of the project (<project>/students/<name>): finished, or stopped and resumable. */
export interface TrainingRunSummary {
  name: string;
  dir: string;
  state: 'finished' | 'unfinished';
  /** The last epoch with a checkpoint (null when none was written). */
  lastEpoch: number | null;
}

export interface StudentSummary {
  id: number;
  name: string;
  createdAt: string;
  /** Where its files are (model, checkpoints, training.json). */
  modelDir: string | null;
  bestValDice: number | null;
  /** Per epoch, for the learning curves. */
  history: { epoch: number; loss: number; valDice: number }[];
}

/** One image's scores against its ground truth (conventions in EvaluationSummaryDto.conventions). */
export interface CaseScores {
  case: string;
  /** The image in the project (for side-by-side views). */
  imageId?: number;
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  hd95_px: number | null;
  hd95_mm: number | null;
  truth_pixels: number;
  pred_pixels: number;
}

export interface EvaluationSummaryDto {
  n: number;
  dice_mean: number;
  iou_mean: number;
  precision_mean: number;
  recall_mean: number;
  hd95_px_mean: number | null;
  hd95_px_n: number;
  hd95_mm_mean: number | null;
  hd95_mm_n: number;
  conventions: string;
}

/** One CT/MR series or NIfTI volume scored as a whole (conventions in VolumeSummaryDto.conventions). */
export interface VolumeScores {
  /** The series or file, as a person recognises it (folder and series UID, or the NIfTI file name). */
  volume: string;
  slices: number;
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  /** Symmetric 95th percentile surface distance in mm (voxel spacing incl. slice spacing); null when one mask is empty. */
  hd95_mm: number | null;
  truth_voxels: number;
  pred_voxels: number;
  /** [row, column, slice] in mm. */
  spacing: [number, number, number];
  /** The first slice's image in the project (to open it). */
  imageId?: number;
}

export interface VolumeSummaryDto {
  n: number;
  dice_mean: number;
  iou_mean: number;
  hd95_mm_mean: number | null;
  hd95_mm_n: number;
  conventions: string;
}

/**
 * A source scored per volume, for datasets of CT/MR series or NIfTI volumes; `skipped` names each volume
 * left out and why (a series that is no regular grid, slices without ground truth or without this mask).
 */
export interface VolumeEvaluation {
  summary: VolumeSummaryDto;
  cases: VolumeScores[];
  skipped: { volume: string; reason: string }[];
}

/** Every mask source of a dataset (teachers, fused label, reviewed masks) scored per image. */
export interface EvaluationReport {
  datasetId: number;
  images: number;
  sources: {
    source: string;
    summary: EvaluationSummaryDto;
    cases: CaseScores[];
    /** Present when the dataset holds volumes (series of 2 or more slices with their geometry). */
    volumes?: VolumeEvaluation;
  }[];
}

/** An evaluation kept in the project: what was evaluated, with which settings, when. */
export interface SavedEvaluation extends Omit<EvaluationReport, 'datasetId'> {
  id: number;
  /**
   * null once the dataset is deleted (its name stays in datasetName); its cases then carry no imageId,
   * since a later import takes the deleted ids again.
   */
  datasetId: number | null;
  datasetName: string;
  /** The request as it was made (dataset, and any choice such as a split). */
  settings: Record<string, unknown>;
  createdAt: string;
}

/** An earlier evaluation in a list: its per-source summary without the per-image rows. */
export type EvaluationListItem = Omit<SavedEvaluation, 'sources'> & {
  sources: { source: string; summary: EvaluationSummaryDto }[];
};

/** What a student export wrote: the result of an 'export' job. */
export interface StudentExportSummary {
  name: string;
  out: string;
  /** The model card (teacher-card format: it imports back as a teacher). */
  card: string;
  onnx: string;
  tfjs: string;
  parameters: number;
  /** The ONNX file run against the TF.js model on random inputs. */
  onnxCheck: {
    runtime: string;
    inputs: number;
    batch: number;
    max_abs_diff: number;
    /** Largest |tfjs output| seen: the scale the difference is to be read against. */
    max_abs_output: number;
    tolerance: number;
    passed: boolean;
  };
}

/**
 * What a user declares about a model that has no card (a bare .onnx or model.json): anything given
 * overrides what Apprentice would infer from the model.
 */
export interface TeacherContractHints {
  layout?: 'NCHW' | 'NHWC';
  height?: number;
  width?: number;
  resize?: 'stretch' | 'letterbox';
  /** Multiplies the 8-bit pixel (e.g. 1/255). */
  scale?: number;
  mean?: number[];
  std?: number[];
  outputKind?: 'logits' | 'sigmoid' | 'softmax';
  foregroundChannel?: number;
}

export interface FusionPreviewImage {
  name: string;
  rows: number;
  cols: number;
  channels: 1 | 3;
  image: Uint8Array;
  /** Fused foreground probability x 255. */
  probability: Uint8Array;
  /** The hard pseudo-label after threshold and post-processing (0/1). */
  mask: Uint8Array;
}
