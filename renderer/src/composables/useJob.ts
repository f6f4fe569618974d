import { computed, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue';
import { isJobActive, isJobOf, jobResult, type JobKind, type JobOf, type JobResult } from '@shared/jobs';
import { useJobsStore } from '../stores/jobs';

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
 * One way to follow a job in the renderer: the job `id` names (a ref, a getter or a plain id) as the jobs
 * store holds it, fed by the main process's events, narrowed to `kinds`, with its result and hooks for
 * each report and for its end.
 */
export function useJob<K extends JobKind>(
  id: MaybeRefOrGetter<string | null | undefined>,
  kinds: readonly K[],
  hooks: JobHooks<K> = {},
): UseJob<K> {
  const jobs = useJobsStore();
  const job = computed<JobOf<K> | null>(() => {
    const jobId = toValue(id);
    const j = jobId ? jobs.byId[jobId] : undefined;
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
    cancel: () => (job.value ? jobs.cancel(job.value.jobId) : Promise.resolve()),
  };
}
