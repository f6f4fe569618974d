/** The open project's datasets and the imports into them. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DatasetDeletion, DatasetRoleName, DatasetSummary, ImportSummary } from '@shared/dto';
import { api } from '../api/client';
import { useJob } from '../composables/useJob';
import { useJobsStore } from './jobs';

export const useDatasetsStore = defineStore('datasets', () => {
  const list = ref<DatasetSummary[]>([]);
  const jobs = useJobsStore();
  /** The import started from this window, followed until it ends: then its summary and the new counts. */
  const importJobId = ref<string | null>(null);
  const lastSummary = ref<ImportSummary | null>(null);
  const { job: importJob } = useJob(importJobId, ['import'], {
    async onEnd(job) {
      if (job.state === 'done' && job.result) lastSummary.value = job.result;
      await load();
    },
  });

  async function load(): Promise<void> {
    list.value = await api().listDatasets();
  }

  async function startImport(req: {
    path: string;
    dataset: string;
    role: DatasetRoleName;
    masksPath?: string;
  }) {
    lastSummary.value = null;
    importJobId.value = jobs.started(await api().importImages(req));
  }

  async function rename(datasetId: number, name: string): Promise<void> {
    await api().renameDataset({ datasetId, name });
    await load();
  }

  /** Deletes a dataset with its images (the caller has asked for confirmation). */
  async function remove(datasetId: number): Promise<DatasetDeletion> {
    const deleted = await api().deleteDataset({ datasetId });
    if (lastSummary.value?.datasetId === datasetId) lastSummary.value = null;
    await load();
    return deleted;
  }

  /** The dataset a screen starts on: the first of `role` (the images it works on), else the first. */
  function firstOf(role: DatasetRoleName): number | undefined {
    return list.value.find((d) => d.role === role)?.id ?? list.value[0]?.id;
  }

  function reset(): void {
    list.value = [];
    importJobId.value = null;
    lastSummary.value = null;
  }

  return { list, importJobId, importJob, lastSummary, load, startImport, rename, remove, firstOf, reset };
});
