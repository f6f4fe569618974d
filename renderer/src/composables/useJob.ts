import type { MaybeRefOrGetter } from 'vue';
import type { JobKind } from '@shared/jobs';
import { useJobsStore } from '../stores/jobs';
import { followJob, type JobHooks, type UseJob } from './follow-job';

export type { JobHooks, UseJob };

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
  return followJob(useJobsStore(), id, kinds, hooks);
}
