/** The open project's datasets and the imports into them. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type {
  DatasetDeletion,
  DatasetRoleName,
  DatasetSummary,
  ImportSummary,
  JobProgress,
} from '@shared/dto';
import { api } from '../api/client';

export const useDatasetsStore = defineStore('datasets', () => {
  const list = ref<DatasetSummary[]>([]);
  /** The import started from this window, followed until it ends. */
  const importJob = ref<JobProgress | null>(null);
  const lastSummary = ref<ImportSummary | null>(null);

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
    importJob.value = await api().importImages(req);
  }

  /** Fed by job events: keeps the import's progress and, when it ends, its summary and the new counts. */
  async function onJob(job: JobProgress): Promise<void> {
    if (job.jobId !== importJob.value?.jobId) return;
    importJob.value = job;
    if (job.state === 'running') return;
    if (job.state === 'done') lastSummary.value = job.result as unknown as ImportSummary;
    await load();
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

  function reset(): void {
    list.value = [];
    importJob.value = null;
    lastSummary.value = null;
  }

  return { list, importJob, lastSummary, load, startImport, onJob, rename, remove, reset };
});
