/** The student training started from this window: its job, and the curves built from its progress events. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type {
  JobProgress,
  StudentPreset,
  StudentSummary,
  TrainingPlan,
  TrainingRunSummary,
  TrainStudentRequest,
} from '@shared/dto';
import { api } from '../api/client';
import { useAppStore } from './app';

/** A teacher of the project and how many images of a dataset it has probability maps of. */
export interface SoftLabelTeacher {
  id: number;
  name: string;
  images: number;
}

/** Images of a plan that have the chosen labels, wherever the plan puts them (test and left-out included). */
export function labeledImages(p: TrainingPlan): number {
  return p.train.images + p.val.images + p.test + p.unassignedLeftOut;
}

export const useTrainingStore = defineStore('training', () => {
  const presets = ref<StudentPreset[]>([]);
  const students = ref<StudentSummary[]>([]);
  /** The project's training folders: finished, or stopped and resumable. */
  const runs = ref<TrainingRunSummary[]>([]);
  const unfinished = computed(() => runs.value.filter((r) => r.state === 'unfinished'));
  const job = ref<JobProgress | null>(null);
  const lastRequest = ref<TrainStudentRequest | null>(null);
  /** Loss per step and validation Dice/IoU per epoch, as they arrive. */
  const lossPoints = ref<[number, number][]>([]);
  const dicePoints = ref<[number, number][]>([]);
  const iouPoints = ref<[number, number][]>([]);
  const running = computed(() => job.value?.state === 'running');
  /**
   * Soft labels are one teacher's stored probability maps (pseudo-labelling stores one per teacher and
   * image; the fused pseudo-label is hard): the project's teachers with their map counts on the dataset,
   * the one with the most maps first.
   */
  const softLabelTeachers = ref<SoftLabelTeacher[]>([]);
  /** Whether `students` and `runs` came from the server: "none trained yet" is said only then. */
  const loaded = ref(false);

  async function load(): Promise<void> {
    const [p, s, r] = await Promise.all([
      api().listStudentPresets(),
      api().listStudents(),
      api().listTrainingRuns(),
    ]);
    presets.value = p;
    students.value = s;
    runs.value = r;
    loaded.value = true;
  }

  /** Another project was opened: nothing of this one's may show. */
  function reset(): void {
    students.value = [];
    runs.value = [];
    loaded.value = false;
    softLabelTeachers.value = [];
  }

  async function loadSoftLabelTeachers(datasetId: number): Promise<void> {
    const teachers = await api().listTeachers();
    const counted = await Promise.all(
      teachers.map(async (t) => {
        // The plan counts the images with this teacher's maps without reading a pixel.
        const plan = await api().planTraining({
          datasetId,
          labels: 'probability',
          teacherId: t.id,
          unassigned: 'train',
          valFraction: 0.2,
          seed: 1,
        });
        return { id: t.id, name: t.name, images: labeledImages(plan) };
      }),
    );
    softLabelTeachers.value = counted.sort((a, b) => b.images - a.images);
  }

  /** Whether a new run may take this name: no student has it, and no training folder would clash. */
  function nameIsFree(name: string): boolean {
    const folder = name.replace(/[^\w.-]+/g, '_');
    return !students.value.some((s) => s.name === name) && !runs.value.some((r) => r.name === folder);
  }

  /** The first free "student-N", proposed for a new run. */
  function freshName(): string {
    for (let n = 1; ; n++) if (nameIsFree(`student-${n}`)) return `student-${n}`;
  }

  async function start(req: TrainStudentRequest): Promise<void> {
    if (!req.resume) {
      lossPoints.value = [];
      dicePoints.value = [];
      iouPoints.value = [];
    }
    lastRequest.value = req;
    job.value = await api().trainStudent(req);
  }

  function onJob(j: JobProgress): void {
    if (j.jobId !== job.value?.jobId) return;
    job.value = j;
    const m = j.metrics;
    if (m && typeof m.loss === 'number') {
      const last = lossPoints.value.at(-1);
      if (!last || last[0] !== j.done) lossPoints.value = [...lossPoints.value, [j.done, m.loss]];
    }
    if (m && typeof m.valDice === 'number' && typeof m.epoch === 'number') {
      if (dicePoints.value.at(-1)?.[0] !== m.epoch) {
        dicePoints.value = [...dicePoints.value, [m.epoch, m.valDice]];
        if (typeof m.valIou === 'number') iouPoints.value = [...iouPoints.value, [m.epoch, m.valIou]];
      }
    }
    // A failed reload keeps the last list; a lost connection is shown app-wide, not here.
    if (j.state !== 'running') void load().catch((err: unknown) => useAppStore().showError(err));
  }

  return {
    presets,
    students,
    runs,
    unfinished,
    nameIsFree,
    freshName,
    job,
    lastRequest,
    lossPoints,
    dicePoints,
    iouPoints,
    running,
    loaded,
    reset,
    softLabelTeachers,
    loadSoftLabelTeachers,
    load,
    start,
    onJob,
  };
});
