/**
 * The job protocol, declared once: every kind of long job, what its progress events carry beside the
 * counters (`detail`) and what it ends with (`result`). The job manager, every producer, the renderer and
 * the CLI read these types, so a job's numbers travel as fields, never as text to be parsed back: `phase`
 * is a label for people only.
 */
import type { FusionReport } from './fusion-report.js';
import type {
  CaseScores,
  VolumeEvaluation,
  EvaluationSummaryDto,
  ImportSummary,
  MaskExportSummary,
  StudentExportSummary,
} from './dto.js';
import type { TransferStage, TransferSummary } from './transfer.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** One moment of a student's training: a step, or the end of an epoch with its validation scores. */
export interface TrainStepDetail {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Mean training loss of the epoch so far. */
  loss: number;
  learningRate: number;
  msPerStep: number;
  /** True on the event that ends an epoch: valDice and valIou are that epoch's validation scores. */
  validated: boolean;
  valDice?: number;
  valIou?: number;
  /** GPU memory the engine holds (live tensors; allocated incl. its pool), when training on a GPU. */
  gpuMemory?: { usedBytes: number; allocatedBytes: number };
}

/** A pseudo-labelling run so far. */
export interface PseudoLabelDetail {
  failedImages: number;
}

/** Where a knowledge transfer is: its stages (enough to rebuild the list mid-run) and the current one. */
export interface TransferDetail {
  /** Every stage this run has, in order. */
  stages: TransferStage[];
  /** 1-based position of the stage running now. */
  stage: number;
  /** What the current stage is doing, for people: 'labelling', 'epoch 3/30'. */
  activity: string;
  /** The student's training, during the train and finetune stages. */
  train?: TrainStepDetail;
}

/** One image a teacher (or the fusion) failed on, in a pseudo-labelling run. */
export interface ImageError {
  imageId: number;
  teacherId?: number;
  code: string;
  message: string;
}

/** What a pseudo-labelling run did: the result of a 'pseudo-label' job. */
export interface PseudoLabelSummary {
  /** The store's job id (masks and metrics refer to it). */
  jobId: number;
  images: number;
  mapsComputed: number;
  mapsReused: number;
  labelsWritten: number;
  labelsReused: number;
  failedImages: number;
  errors: ImageError[];
  errorCount: number;
  /** What the fusion did and why (over the labels this run fused; reused labels are not counted). */
  fusion: FusionReport;
  /** Where each teacher ran, by name: 'webgpu', 'cuda', 'cpu' (ONNX), the tfjs backend, or 'none' (mask folder). */
  teacherProviders?: Record<string, string>;
}

/** One epoch of a training run, as training.json and the job result list it. */
export interface TrainEpochSummary {
  epoch: number;
  loss: number;
  valDice: number | null;
  valIou: number | null;
  learningRate: number;
  seconds: number;
}

/** What a training (or fine-tuning) run did: the result of a 'train' or 'finetune' job. */
export interface TrainRunSummary {
  name: string;
  outDir: string;
  /** The best model (OUT/model). */
  modelDir: string;
  trainImages: number;
  valImages: number;
  trainCases: number;
  valCases: number;
  /** Images without a mask (or masks without an image), by path. */
  unpaired: string[];
  epochsRun: number;
  bestEpoch: number | null;
  bestValDice: number | null;
  bestValIou: number | null;
  history: TrainEpochSummary[];
  stoppedEarly: boolean;
  cancelled: boolean;
  timeBudgetHit: boolean;
  resumedFromEpoch: number | null;
  params: number;
  seconds: number;
  /** Serializable description of the model (zoo config, source). */
  model: Record<string, unknown>;
  /** The student recorded in the open project, for a run trained on a project dataset. */
  studentId?: number;
}

/** Scores of predicted masks (or a model's) against ground truth: the result of an 'evaluate' job. */
export interface EvaluationResult {
  summary: EvaluationSummaryDto;
  cases: CaseScores[];
  /** Images or predictions without a partner, by path. */
  unpaired: string[];
  /** Present when the ground truth is NIfTI volumes: each scored whole (3-D Dice, HD95 in mm). */
  volumes?: VolumeEvaluation;
}

/** Each job kind with its progress detail (`never`: counters and phase only) and its result. */
export interface JobKinds {
  import: { detail: never; result: ImportSummary };
  'pseudo-label': { detail: PseudoLabelDetail; result: PseudoLabelSummary };
  train: { detail: TrainStepDetail; result: TrainRunSummary };
  finetune: { detail: TrainStepDetail; result: TrainRunSummary };
  evaluate: { detail: never; result: EvaluationResult };
  export: { detail: never; result: StudentExportSummary };
  'export-masks': { detail: never; result: MaskExportSummary };
  transfer: { detail: TransferDetail; result: TransferSummary };
}

export type JobKind = keyof JobKinds;
export type JobDetail<K extends JobKind> = JobKinds[K]['detail'];
export type JobResult<K extends JobKind> = JobKinds[K]['result'];

/** One progress report of a job of kind K. Sent as an event each time something changes. */
export interface JobOf<K extends JobKind> {
  jobId: string;
  kind: K;
  state: JobState;
  /** What the job is doing now, for people: 'decoding', 'epoch 3/20'. */
  phase: string;
  done: number;
  total: number;
  /** The kind's own numbers at this moment (each update replaces them). */
  detail?: JobDetail<K>;
  startedAt: string;
  finishedAt?: string;
  /** Estimated seconds left, when the job can tell. */
  etaSeconds?: number;
  /**
   * What the user should know about how the job runs, in the order it was said, e.g. "teacher unet-busi:
   * the webgpu provider failed (...); running on CPU". Kept to the job's end; also in the log.
   */
  notices?: string[];
  error?: { code: string; message: string; detail?: Record<string, unknown> };
  /** What the job made, once it is done. */
  result?: JobResult<K>;
}

/** A job of any kind: narrow it by `kind` (or isJobOf) to read its detail and result. */
export type JobProgress = { [K in JobKind]: JobOf<K> }[JobKind];

/** True when the job is of one of these kinds, narrowing its detail and result to theirs. */
export function isJobOf<K extends JobKind>(
  job: JobProgress | null | undefined,
  ...kinds: readonly K[]
): job is JobOf<K> & JobProgress {
  return !!job && (kinds as readonly JobKind[]).includes(job.kind);
}

/** The result of a finished job, or null while it runs (or when it failed or was cancelled). */
export function jobResult<K extends JobKind>(job: JobOf<K> | null | undefined): JobResult<K> | null {
  return job?.state === 'done' && job.result !== undefined ? job.result : null;
}

/** Still running (or waiting to). */
export function isJobActive(job: { state: JobState } | null | undefined): boolean {
  return job?.state === 'running' || job?.state === 'queued';
}
