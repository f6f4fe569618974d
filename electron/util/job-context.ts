/**
 * What a long job's work sees of the job that runs it: its id, cancellation and a progress sink. Declared
 * here, below every layer, so teachers, students and transfer can run as jobs without knowing the services.
 */
export interface JobContext {
  readonly jobId: string;
  /** Aborted when the user cancels; long loops check `signal.aborted` or pass it on. */
  readonly signal: AbortSignal;
  progress(update: { phase?: string; done?: number; total?: number; metrics?: Record<string, number> }): void;
  /** Throws AppError(CANCELLED) if the job was cancelled: call between units of work. */
  throwIfCancelled(): void;
}
