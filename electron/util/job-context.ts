/**
 * What a long job's work sees of the job that runs it: its id, cancellation and a progress sink. Declared
 * here, below every layer, so teachers, students and transfer can run as jobs without knowing the services.
 */
import type { JobDetail, JobKind } from '../../shared/jobs.js';

/** One progress update of a job of kind K: counters, a label for people, and the kind's own numbers. */
export interface JobUpdate<K extends JobKind = JobKind> {
  phase?: string;
  done?: number;
  total?: number;
  /** Replaces the previous detail: a value it leaves out is no longer current. */
  detail?: JobDetail<K>;
}

export interface JobContext<K extends JobKind = JobKind> {
  readonly jobId: string;
  /** Aborted when the user cancels; long loops check `signal.aborted` or pass it on. */
  readonly signal: AbortSignal;
  progress(update: JobUpdate<K>): void;
  /** Throws AppError(CANCELLED) if the job was cancelled: call between units of work. */
  throwIfCancelled(): void;
  /**
   * Tells the user something about how the job runs (a GPU provider that failed, the CPU taking over):
   * kept on the job (JobOf.notices) and logged. Optional: a job run outside the job manager may drop it.
   */
  notice?(message: string): void;
}
