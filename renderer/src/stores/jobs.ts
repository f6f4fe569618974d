/** Long jobs and their progress, fed by the main process's job events. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobProgress } from '@shared/jobs';
import { api } from '../api/client';
import { withJobEvent } from '../composables/follow-job';

export const useJobsStore = defineStore('jobs', () => {
  const byId = ref<Record<string, JobProgress>>({});
  const running = computed(() => Object.values(byId.value).filter((j) => j.state === 'running'));

  async function load(): Promise<void> {
    const list = await api().listJobs();
    byId.value = Object.fromEntries(list.map((j) => [j.jobId, j]));
  }

  function applyEvent(job: JobProgress): void {
    byId.value = withJobEvent(byId.value, job);
  }

  /**
   * A job this window just started, as its start call answered: its first report is kept (the events
   * that follow merge into it) and its id returned, for the screen's useJob to follow.
   */
  function started(job: JobProgress): string {
    applyEvent(job);
    return job.jobId;
  }

  async function cancel(jobId: string): Promise<void> {
    await api().cancelJob({ jobId });
  }

  return { byId, running, load, applyEvent, started, cancel };
});
