/** Long jobs and their progress, fed by the main process's job events. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobProgress } from '@shared/jobs';
import { api } from '../api/client';

export const useJobsStore = defineStore('jobs', () => {
  const byId = ref<Record<string, JobProgress>>({});
  const running = computed(() => Object.values(byId.value).filter((j) => j.state === 'running'));

  async function load(): Promise<void> {
    const list = await api().listJobs();
    byId.value = Object.fromEntries(list.map((j) => [j.jobId, j]));
  }

  function applyEvent(job: JobProgress): void {
    // A quick job's last event can arrive before the reply that started it: never let the (older)
    // running state overwrite a finished one.
    const known = byId.value[job.jobId];
    if (
      known &&
      known.state !== 'running' &&
      known.state !== 'queued' &&
      (job.state === 'running' || job.state === 'queued')
    )
      return;
    byId.value = { ...byId.value, [job.jobId]: job };
  }

  async function cancel(jobId: string): Promise<void> {
    await api().cancelJob({ jobId });
  }

  return { byId, running, load, applyEvent, cancel };
});
