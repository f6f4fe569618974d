/**
 * The knowledge transfer run from the Transfer screen: its form, its job (followed through the jobs
 * store's events) and, when it is done, its summary. Transfer works on folders, so none of this needs an
 * open project.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { StudentPreset } from '@shared/dto';
import type { TransferSpec, TransferSummary } from '@shared/transfer';
import { api, errorMessage } from '../api/client';
import { useJobsStore } from './jobs';
import {
  defaultForm,
  formFromSpec,
  formProblems,
  specFromForm,
  stagesOf,
  stagesOfJob,
  type TransferForm,
} from './transfer-form';
import { applyProgress, newRun, type RunProgress } from './transfer-progress';

export const useTransferStore = defineStore('transfer', () => {
  const jobs = useJobsStore();
  const form = ref<TransferForm>(defaultForm());
  /** The spec file loaded last: it keeps the settings the form has no field for. */
  const base = ref<TransferSpec | null>(null);
  const presets = ref<StudentPreset[]>([]);
  /** The student's parameter count at the chosen size, or why that size does not work. */
  const params = ref<number | null>(null);
  const paramsError = ref<string | null>(null);
  const jobId = ref<string | null>(null);
  const run = ref<RunProgress | null>(null);
  const error = ref<string | null>(null);
  /** Checking folders and starting the job, before its id is known. */
  const starting = ref(false);

  const job = computed(() => (jobId.value ? (jobs.byId[jobId.value] ?? null) : null));
  const running = computed(
    () => starting.value || job.value?.state === 'running' || job.value?.state === 'queued',
  );
  const result = computed(() =>
    job.value?.state === 'done' ? (job.value.result as unknown as TransferSummary) : null,
  );
  /** Why the run cannot start yet; empty when it can. */
  const problems = computed(() => [
    ...formProblems(form.value),
    ...(paramsError.value ? [`Student: ${paramsError.value}`] : []),
  ]);

  watch(job, (j) => {
    if (j && run.value) run.value = applyProgress(run.value, j, Date.now());
  });
  // A transfer already running when the screen opens (a reload, another window) is followed as well.
  watch(
    () => jobs.byId,
    (all) => {
      if (jobId.value || starting.value) return;
      const j = Object.values(all).find(
        (x) => x.kind === 'transfer' && (x.state === 'running' || x.state === 'queued'),
      );
      const stages = j ? stagesOfJob(j.metrics) : null;
      if (!j || !stages) return;
      run.value = applyProgress(newRun(stages), j, Date.now());
      jobId.value = j.jobId;
    },
    { immediate: true },
  );
  let asked = 0;
  watch(
    () => [form.value.arch, form.value.size] as const,
    async ([preset, size]) => {
      // Typing "128" asks for 1, 12 and 128: only the last answer counts.
      const n = ++asked;
      try {
        const p = (await api().describeStudent({ preset, size })).params;
        if (n !== asked) return;
        params.value = p;
        paramsError.value = null;
      } catch (err) {
        if (n !== asked) return;
        params.value = null;
        paramsError.value = errorMessage(err);
      }
    },
    { immediate: true },
  );

  async function load(): Promise<void> {
    presets.value = await api().listStudentPresets();
  }

  async function start(): Promise<void> {
    if (running.value || problems.value.length) return;
    error.value = null;
    const spec = specFromForm(form.value, base.value);
    starting.value = true;
    try {
      // The service checks every path (teacher cards, folders, output) before it starts a job.
      const j = await api().runTransfer({ spec, fresh: form.value.fresh });
      // The run first, so that the job's events already seen are folded into it.
      run.value = newRun(stagesOf(form.value));
      jobs.applyEvent(j);
      jobId.value = j.jobId;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      starting.value = false;
    }
  }

  async function stop(): Promise<void> {
    if (!jobId.value) return;
    try {
      await jobs.cancel(jobId.value);
    } catch (err) {
      error.value = errorMessage(err);
    }
  }

  /** Fills the form from a spec file (JSON/YAML); its paths come back absolute. */
  async function loadSpec(path: string): Promise<boolean> {
    error.value = null;
    try {
      const spec = await api().loadTransferSpec({ path });
      base.value = spec;
      form.value = formFromSpec(spec);
      return true;
    } catch (err) {
      error.value = errorMessage(err);
      return false;
    }
  }

  /** Writes the form as a spec file, to run headless: `apprentice transfer --spec FILE`. */
  async function saveSpec(path: string): Promise<string | null> {
    error.value = null;
    try {
      return (await api().saveTransferSpec({ spec: specFromForm(form.value, base.value), path })).path;
    } catch (err) {
      error.value = errorMessage(err);
      return null;
    }
  }

  return {
    form,
    presets,
    params,
    paramsError,
    jobId,
    job,
    run,
    error,
    running,
    result,
    problems,
    load,
    start,
    stop,
    loadSpec,
    saveSpec,
  };
});
