/**
 * The core of useJob, free of the store and the server (so tests run it in Node): a job's latest report
 * out of the reports by id, narrowed to its kinds, with its result and hooks for each report and its end.
 */
import { computed, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue';
import {
  isJobActive,
  isJobOf,
  jobResult,
  type JobKind,
  type JobOf,
  type JobProgress,
  type JobResult,
} from '../../../shared/jobs.js';

/** Where reports are kept: the jobs store, fed by the main process's events. */
export interface JobSource {
  readonly byId: Readonly<Record<string, JobProgress>>;
  cancel(jobId: string): Promise<void>;
}

export interface JobHooks<K extends JobKind> {
  /** Every report of the job, in order (to fold curves from its detail). */
  onUpdate?(job: JobOf<K>): void;
  /** Once, when the job has finished (done, failed or cancelled). */
  onEnd?(job: JobOf<K>): void | Promise<void>;
}

export interface UseJob<K extends JobKind> {
  /** The job's latest report, typed by its kind; null before it starts (or for another kind). */
  job: ComputedRef<JobOf<K> | null>;
  running: ComputedRef<boolean>;
  /** What it made, once done. */
  result: ComputedRef<JobResult<K> | null>;
  cancel(): Promise<void>;
}

/**
 * The reports by id after one more event. A quick job's last event can arrive before the reply that
 * started it: the (older) running report never overwrites a finished one.
 */
export function withJobEvent(
  byId: Record<string, JobProgress>,
  job: JobProgress,
): Record<string, JobProgress> {
  const known = byId[job.jobId];
  if (known && !isJobActive(known) && isJobActive(job)) return byId;
  return { ...byId, [job.jobId]: job };
}

export function followJob<K extends JobKind>(
  source: JobSource,
  id: MaybeRefOrGetter<string | null | undefined>,
  kinds: readonly K[],
  hooks: JobHooks<K> = {},
): UseJob<K> {
  const job = computed<JobOf<K> | null>(() => {
    const jobId = toValue(id);
    const j = jobId ? source.byId[jobId] : undefined;
    return isJobOf(j, ...kinds) ? j : null;
  });
  if (hooks.onUpdate || hooks.onEnd) {
    const ended = new Set<string>();
    watch(job, (j) => {
      if (!j) return;
      hooks.onUpdate?.(j);
      if (isJobActive(j) || ended.has(j.jobId)) return;
      ended.add(j.jobId);
      void hooks.onEnd?.(j);
    });
  }
  return {
    job,
    running: computed(() => isJobActive(job.value)),
    result: computed(() => jobResult(job.value)),
    cancel: () => (job.value ? source.cancel(job.value.jobId) : Promise.resolve()),
  };
}
