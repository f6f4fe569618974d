/**
 * The knowledge transfer run from the Transfer screen: its form, its job (followed through the jobs
 * store's events) and, when it is done, its summary. Transfer works on folders, so none of this needs an
 * open project.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { StudentPreset } from '@shared/dto';
import type { EarlierRunConflict, TransferPaths, TransferRunRecord, TransferSpec } from '@shared/transfer';
import { isJobActive, isJobOf } from '@shared/jobs';
import { api, errorMessage, isDisconnectedError } from '../api/client';
import { useProjectsStore } from './projects';
import { useJobsStore } from './jobs';
import { useJob } from '../composables/useJob';
import { useAppStore } from './app';
import {
  defaultForm,
  formFromSpec,
  formProblems,
  specFromForm,
  stagesOf,
  type TransferForm,
} from './transfer-form';
import { applyProgress, newRun, runOfJob, type RunProgress } from './transfer-progress';

export const useTransferStore = defineStore('transfer', () => {
  const jobs = useJobsStore();
  const projects = useProjectsStore();
  const app = useAppStore();
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
  /** What the main process found wrong with each path field ("teachers.1", "out", ...), shown beside it. */
  const fieldProblems = ref<Record<string, string>>({});
  /** Each teacher card's name and kind as the main process read it (null: the card has a problem). */
  const cards = ref<({ name: string; kind: string } | null)[]>([]);
  /** The output folder holds a run the new one cannot continue: the choices are offered from this. */
  const conflict = ref<EarlierRunConflict | null>(null);
  /** Finished runs kept in the open project, newest first; the one shown in full, if any. */
  const earlierRuns = ref<TransferRunRecord[]>([]);
  /** Whether `earlierRuns` came from the server: "none yet" is said only then, not after a failed load. */
  const earlierRunsLoaded = ref(false);
  /** The project `earlierRuns` belong to. */
  let earlierRunsProject: string | null = null;
  const shownRun = ref<TransferRunRecord | null>(null);

  const { job, result } = useJob(jobId, ['transfer'], {
    onUpdate(j) {
      if (run.value) run.value = applyProgress(run.value, j, Date.now());
    },
  });
  const running = computed(() => starting.value || isJobActive(job.value));
  /** Why the run cannot start yet; empty when it can. */
  const problems = computed(() => [
    ...formProblems(form.value),
    ...Object.values(fieldProblems.value),
    ...(paramsError.value ? [`Student: ${paramsError.value}`] : []),
  ]);

  /** The paths filled in on the form, for the main process to check (formProblems names the empty ones). */
  function formPaths(): TransferPaths {
    const f = form.value;
    // Every field filled in, relative ones too: their problem is told once, beside the field.
    const given = (o: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(o)
          .map(([k, v]) => [k, v.trim()])
          .filter(([, v]) => v !== ''),
      ) as Record<string, string>;
    return {
      teachers: f.teachers.map((t) => t.trim()),
      transferal: given({ images: f.images, corrections: f.corrections }),
      ...(f.finetune.enabled
        ? { finetune: given({ images: f.finetune.images, masks: f.finetune.masks }) }
        : {}),
      ...(f.test.enabled ? { test: given({ images: f.test.images, masks: f.test.masks }) } : {}),
      ...given({ out: f.out }),
    };
  }

  // Each path is checked where it is as soon as it is entered (a teacher card when it is added), so a
  // problem shows beside its field rather than only when Run is pressed.
  let checks = 0;
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  async function checkPaths(): Promise<void> {
    const n = ++checks;
    try {
      const r = await api().checkTransferPaths({ paths: formPaths() });
      if (n !== checks) return;
      fieldProblems.value = Object.fromEntries(r.problems.map((p) => [p.field, `${p.label}: ${p.message}`]));
      cards.value = r.teachers;
    } catch (err) {
      // A lost connection is shown app-wide; the paths are checked again when it is back.
      if (n === checks && !isDisconnectedError(err)) error.value = errorMessage(err);
    }
  }
  watch(
    () => [JSON.stringify(formPaths()), app.connection.status] as const,
    () => {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(() => void checkPaths(), 250);
    },
    { immediate: true },
  );
  // A changed output folder (or spec) is a new question: the earlier answer about its folder no longer holds.
  watch(
    () => specFromForm(form.value, base.value),
    () => (conflict.value = null),
    { deep: true },
  );

  async function loadEarlierRuns(): Promise<void> {
    const project = projects.current?.id ?? null;
    // No project open lists nothing (TransferHistory says so); the same project opened again (a restarted
    // server) keeps its runs meanwhile, but another project's must not show while this one's is loading.
    if (project === null) return;
    if (project !== earlierRunsProject) {
      earlierRuns.value = [];
      earlierRunsLoaded.value = false;
      shownRun.value = null;
      earlierRunsProject = project;
    }
    const listed = await api().listTransferRuns();
    if (project !== earlierRunsProject) return; // another project was opened meanwhile
    earlierRuns.value = listed;
    earlierRunsLoaded.value = true;
  }
  // A run that finishes is listed at once; so is another project's list when the project changes.
  watch(
    () => [projects.current?.id, result.value !== null] as const,
    () =>
      void loadEarlierRuns().catch((err: unknown) => {
        // A lost connection is shown app-wide; the list loads again when it is back.
        if (!isDisconnectedError(err)) error.value = errorMessage(err);
      }),
  );

  // A transfer already running when the screen opens (a reload, another window) is followed as well.
  watch(
    () => jobs.byId,
    (all) => {
      if (jobId.value || starting.value) return;
      const j = Object.values(all).find((x) => isJobOf(x, 'transfer') && isJobActive(x));
      const seen = isJobOf(j, 'transfer') ? runOfJob(j, Date.now()) : null;
      if (!j || !seen) return;
      run.value = seen;
      jobId.value = j.jobId;
    },
    { immediate: true },
  );
  let asked = 0;
  watch(
    () => [form.value.arch, form.value.size, app.connection.status] as const,
    async ([preset, size, connection]) => {
      if (connection !== 'connected') return; // the last answer stays; asked again when it is back
      // Typing "128" asks for 1, 12 and 128: only the last answer counts.
      const n = ++asked;
      try {
        const p = (await api().describeStudent({ preset, size })).params;
        if (n !== asked) return;
        params.value = p;
        paramsError.value = null;
      } catch (err) {
        if (n !== asked || isDisconnectedError(err)) return;
        params.value = null;
        paramsError.value = errorMessage(err);
      }
    },
    { immediate: true },
  );

  async function load(): Promise<void> {
    presets.value = await api().listStudentPresets();
    await loadEarlierRuns();
  }

  /** `fresh` overrides the form's choice: "Start over in this folder". */
  async function start(fresh = form.value.fresh): Promise<void> {
    if (running.value || problems.value.length) return;
    error.value = null;
    conflict.value = null;
    const spec = specFromForm(form.value, base.value);
    starting.value = true;
    try {
      // The service checks every path (teacher cards, folders, output) before it starts a job.
      const j = await api().runTransfer({ spec, fresh });
      // The run first, so that the job's events already seen are folded into it.
      run.value = newRun(stagesOf(form.value));
      jobId.value = jobs.started(j);
    } catch (err) {
      const detail = (err as { detail?: Record<string, unknown> }).detail;
      if (detail && typeof detail.conflict === 'string')
        conflict.value = detail as unknown as EarlierRunConflict;
      else if (detail && Array.isArray(detail.problems))
        // Shown beside their fields, as the live check shows them.
        fieldProblems.value = Object.fromEntries(
          (detail.problems as { field: string; label: string; message: string }[]).map((p) => [
            p.field,
            `${p.label}: ${p.message}`,
          ]),
        );
      else error.value = errorMessage(err);
    } finally {
      starting.value = false;
    }
  }

  /** "Continue the earlier run": its own spec (as it ran) fills the form, and it runs from where it stopped. */
  async function continueEarlier(): Promise<void> {
    const spec = conflict.value?.spec;
    if (!spec) return;
    if (await loadSpec(spec)) {
      await checkPaths();
      await start(false);
    }
  }

  /** "Start over in this folder": the earlier run's ledger and outputs give way to this spec. */
  async function startOver(): Promise<void> {
    await start(true);
  }

  /** "Choose another folder": the output field is emptied for a new choice. */
  function chooseAnotherFolder(): void {
    conflict.value = null;
    form.value.out = '';
  }

  function showRun(id: number | null): void {
    shownRun.value = earlierRuns.value.find((r) => r.id === id) ?? null;
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
    fieldProblems,
    cards,
    conflict,
    earlierRuns,
    earlierRunsLoaded,
    shownRun,
    load,
    start,
    continueEarlier,
    startOver,
    chooseAnotherFolder,
    showRun,
    stop,
    loadSpec,
    saveSpec,
  };
});
