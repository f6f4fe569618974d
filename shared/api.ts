/**
 * The one contract between the renderer and the main process. Both shells implement it with the same
 * services: Electron through preload + ipcMain.handle, the web shell over a WebSocket. Every method takes
 * at most one argument (a plain object) so that it can be validated by one schema (see api-schema.ts).
 */
import type {
  AppInfo,
  DatasetRoleName,
  DatasetSummary,
  ImageListItem,
  ImagePage,
  ImagePageQuery,
  ImageMasks,
  ImagePixels,
  NearDuplicateGroup,
  PseudoLabelOptions,
  FusionPreviewImage,
  TeacherContractHints,
  EvaluationListItem,
  SavedEvaluation,
  StudentPreset,
  StudentSummary,
  TrainStudentRequest,
  TrainingPlan,
  TrainingRunSummary,
  DatasetDeletion,
  TeacherPreviewResult,
  TeacherSummary,
  SplitSummary,
  Thumbnail,
  MaskEditState,
  ReviewStateName,
  FolderListing,
  ProjectSummary,
  RecentProject,
  Settings,
  SettingsPatch,
} from './dto.js';
import type { AppEventListener } from './events.js';
import type { JobOf, JobProgress } from './jobs.js';
import type {
  TransferPaths,
  TransferPathsCheck,
  TransferRunRecord,
  TransferSpec,
  TransferSpecInput,
} from './transfer.js';
import type { MASK_EXPORT_FORMATS, MASK_EXPORT_LAYERS } from './dto.js';
import type { ErrorPayload } from './errors.js';

export interface AppApi {
  /** Versions, shell, compute backend (initialised on first call), log file location. */
  getAppInfo(): Promise<AppInfo>;

  getSettings(): Promise<Settings>;
  /** Merges and persists; returns the full settings. Unknown keys or out-of-range values are refused. */
  updateSettings(patch: SettingsPatch): Promise<Settings>;

  listRecentProjects(): Promise<RecentProject[]>;
  forgetRecentProject(args: { path: string }): Promise<RecentProject[]>;
  /** Creates `<parentDir>/<name>` as a new project and opens it. */
  createProject(args: { parentDir: string; name: string }): Promise<ProjectSummary>;
  openProject(args: { path: string }): Promise<ProjectSummary>;
  closeProject(): Promise<void>;
  getCurrentProject(): Promise<ProjectSummary | null>;

  /** The shell's native folder dialog; null when cancelled or when the shell has none (web). */
  pickFolder(args: { title?: string; defaultPath?: string }): Promise<string | null>;
  /** Lists sub-folders so that the web shell can offer a folder browser where no native dialog exists. */
  listFolder(args: { path?: string; extensions?: string[] }): Promise<FolderListing>;
  /** The shell's native file dialog; null when cancelled or when the shell has none (web). */
  pickFile(args: { title?: string; defaultPath?: string; extensions?: string[] }): Promise<string | null>;

  /** Datasets of the open project. */
  listDatasets(): Promise<DatasetSummary[]>;
  /** Renames a dataset; the name must be unique in the project. */
  renameDataset(args: { datasetId: number; name: string }): Promise<DatasetSummary>;
  /**
   * Deletes a dataset with its images, masks, teacher maps, edits and review state, in one transaction;
   * content no longer referenced is removed. Refused while a job runs.
   */
  deleteDataset(args: { datasetId: number }): Promise<DatasetDeletion>;
  /**
   * Starts an import job into the open project: a file or folder of DICOM/NIfTI/PNG/JPEG/TIFF images,
   * optionally with a folder of ground-truth masks paired by file name. Progress arrives as job events;
   * the job's result is an ImportSummary.
   */
  importImages(args: {
    path: string;
    dataset: string;
    role?: DatasetRoleName;
    masksPath?: string;
    /** CSV with each image's case/patient, pixel size and split (columns recognised by name). */
    manifestPath?: string;
  }): Promise<JobOf<'import'>>;

  /** Images of the open project (one dataset or all), in name order, with review status. */
  listImages(args: {
    datasetId?: number;
    /** 'uncertainty': most uncertain first (teacher disagreement, then entropy), for review. Default 'name'. */
    order?: 'name' | 'uncertainty';
    status?: ReviewStateName;
    offset?: number;
    limit?: number;
  }): Promise<ImageListItem[]>;
  /**
   * One page of images, filtered, searched and sorted in the database (indexed queries): what the Data
   * grid and the review queue use on large projects instead of loading the whole list.
   */
  listImagesPage(args: ImagePageQuery): Promise<ImagePage>;
  getImage(args: { imageId: number }): Promise<ImagePixels>;
  getMasks(args: { imageId: number }): Promise<ImageMasks>;
  /**
   * Saves a drawn mask as one undo step; resolves only when it is durable on disk. The review status is
   * left as it is: drawing is not a decision (the reviewer accepts or rejects).
   */
  saveMaskEdit(args: {
    imageId: number;
    mask: Uint8Array;
    tool: string;
    params?: Record<string, unknown>;
  }): Promise<MaskEditState>;
  /** Steps the edit history back or forth; returns the mask now current (null = nothing drawn). */
  undoMaskEdit(args: { imageId: number }): Promise<{ mask: Uint8Array | null; edit: MaskEditState }>;
  redoMaskEdit(args: { imageId: number }): Promise<{ mask: Uint8Array | null; edit: MaskEditState }>;
  setReview(args: {
    imageId: number;
    status?: ReviewStateName;
    flagged?: boolean;
    note?: string;
  }): Promise<ImageMasks['review']>;

  /**
   * Starts a job writing masks as files: PNG per slice (0/255), NIfTI per volume on the source's grid, or
   * DICOM SEG per DICOM series. 'reviewed' = the person's correction where there is one, else the
   * pseudo-label. The result is a MaskExportSummary.
   */
  exportMasks(args: {
    outDir: string;
    format: (typeof MASK_EXPORT_FORMATS)[number];
    layer: (typeof MASK_EXPORT_LAYERS)[number];
    datasetId?: number;
  }): Promise<JobOf<'export-masks'>>;
  listTeachers(): Promise<TeacherSummary[]>;
  /**
   * Adds a teacher from a card (JSON beside its model, as in shared/teachers), a bare .onnx model (its
   * contract inferred where possible; `assumed` lists the rest), a TF.js model.json or a mask folder.
   */
  importTeacher(args: {
    path: string;
    name?: string;
    hints?: TeacherContractHints;
  }): Promise<{ teacher: TeacherSummary; assumed: string[] }>;
  /** "Test on 3 images": a teacher's output on a few images, with warnings that give a wrong contract away. */
  previewTeacher(args: {
    teacherId: number;
    datasetId?: number;
    count?: number;
  }): Promise<TeacherPreviewResult>;
  /**
   * Starts the batch job: every teacher over every included image of the dataset, per-teacher probability
   * maps stored, fused into the pseudo-label; resumes where a previous run of the same settings stopped.
   */
  runPseudoLabels(args: PseudoLabelOptions): Promise<JobOf<'pseudo-label'>>;
  /** Fuses the stored teacher maps of a few images with these settings, writing nothing (a live preview). */
  previewFusion(args: PseudoLabelOptions & { count?: number }): Promise<FusionPreviewImage[]>;
  /** The model zoo's named presets. */
  listStudentPresets(): Promise<StudentPreset[]>;
  /** Parameters of a preset at an input size (shown before training). */
  describeStudent(args: { preset: string; size: number }): Promise<{ params: number; sizeMultiple: number }>;
  /** Starts training (or fine-tuning) a student on a dataset of the open project, as a job in a worker. */
  trainStudent(args: TrainStudentRequest): Promise<JobOf<'train'>>;
  /** Which images a training run with these settings would use: train/val counts, test held out. */
  planTraining(
    args: Pick<
      TrainStudentRequest,
      'datasetId' | 'labels' | 'teacherId' | 'valFraction' | 'seed' | 'unassigned'
    >,
  ): Promise<TrainingPlan>;
  /** The project's training folders, finished or stopped (resumable). */
  listTrainingRuns(): Promise<TrainingRunSummary[]>;
  listStudents(): Promise<StudentSummary[]>;
  /**
   * Starts a job exporting a student as files: TF.js layers (model.json + shards), ONNX (checked against
   * tfjs on random inputs) and a model card. The result is a StudentExportSummary.
   */
  exportStudent(args: { studentId: number; outDir: string }): Promise<JobOf<'export'>>;
  /**
   * Starts a whole knowledge transfer from a run spec (absolute paths): pseudo-labels, fusion, student
   * training, optional fine-tuning, test scores, export and report. The result is a TransferSummary. The
   * same spec into the same output folder continues an interrupted run unless `fresh`.
   */
  runTransfer(args: { spec: TransferSpecInput; fresh?: boolean }): Promise<JobOf<'transfer'>>;
  /**
   * Checks the paths of a spec being filled in (any may be left out): each teacher card exists, parses
   * and names a model file of its kind; folders exist. Every problem names its field ("teachers.1") and
   * its label ("Teacher 2").
   */
  checkTransferPaths(args: { paths: TransferPaths }): Promise<TransferPathsCheck>;
  /** Reads a run spec file (JSON/YAML), paths resolved against the file, defaults filled in. */
  loadTransferSpec(args: { path: string }): Promise<TransferSpec>;
  /** Saves a run spec as JSON (to run it headless elsewhere: `apprentice transfer --spec FILE`). */
  saveTransferSpec(args: { spec: TransferSpecInput; path: string }): Promise<{ path: string }>;
  /**
   * Scores teachers, the fused pseudo-label and the reviewed masks against a dataset's ground truth, and
   * keeps the result in the project (listEvaluations). `split`: only the images assigned to that split.
   */
  evaluateDataset(args: { datasetId: number; split?: 'train' | 'val' | 'test' }): Promise<SavedEvaluation>;
  /** The evaluations kept in the open project, newest first, with their per-source summaries. */
  listEvaluations(): Promise<EvaluationListItem[]>;
  /** One kept evaluation with its per-image rows. */
  getEvaluation(args: { evaluationId: number }): Promise<SavedEvaluation>;
  /** The transfer runs that finished while the open project was open, newest first. */
  listTransferRuns(): Promise<TransferRunRecord[]>;
  /**
   * Writes a kept evaluation (listEvaluations) as it was scored, its split named, with the students'
   * learning curves, as one self-contained HTML file.
   */
  saveReport(args: { evaluationId: number; outFile: string }): Promise<{ path: string }>;
  /** Small grey previews for image grids (at most 200 per call). */
  getThumbnails(args: { imageIds: number[]; size?: number }): Promise<Thumbnail[]>;
  /** Include/exclude images from training and add or remove tags, in one transaction. */
  updateImages(args: {
    imageIds: number[];
    included?: boolean;
    addTags?: string[];
    removeTags?: string[];
  }): Promise<void>;
  /** Assigns train/val/test by case, never splitting one case; seeded, so it can be reproduced. */
  assignSplits(args: {
    datasetId: number;
    train: number;
    val: number;
    test: number;
    seed: number;
  }): Promise<SplitSummary>;
  /** Groups of images that look alike (difference hash within maxDistance of 64 bits, default 4). */
  findNearDuplicates(args: { datasetId?: number; maxDistance?: number }): Promise<NearDuplicateGroup[]>;

  listJobs(): Promise<JobProgress[]>;
  cancelJob(args: { jobId: string }): Promise<void>;
}

export type ApiMethod = keyof AppApi;
export type ApiArgs<M extends ApiMethod> = Parameters<AppApi[M]>;
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<AppApi[M]>>;

/** The envelope a call comes back in: errors stay structured across every transport. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

/**
 * What a shell exposes to the renderer as `window.api`: every contract method (same name, same
 * arguments) answering with a Reply envelope, plus event subscription. The renderer's api module
 * unwraps it into an AppApi that throws AppError.
 */
export type AppBridge = {
  [M in ApiMethod]: (...args: ApiArgs<M>) => Promise<Reply<ApiResult<M>>>;
} & {
  /** Subscribes to main-process events; returns the unsubscribe function. */
  onEvent(listener: AppEventListener): () => void;
};
