/** The student training started from this window: its job, and the curves built from its progress events. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type {
  StudentPreset,
  StudentSummary,
  TrainingPlan,
  TrainingRunSummary,
  TrainStudentRequest,
} from '@shared/dto';
import type { JobOf } from '@shared/jobs';
import { api } from '../api/client';
import { useJob } from '../composables/useJob';
import { useAppStore } from './app';
import { useJobsStore } from './jobs';

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
  const jobId = ref<string | null>(null);
  const { job, running, cancel } = useJob(jobId, ['train'], {
    onUpdate: foldCurves,
    onEnd() {
      // A failed reload keeps the last list; a lost connection is shown app-wide, not here.
      void load().catch((err: unknown) => useAppStore().showError(err));
    },
  });
  const lastRequest = ref<TrainStudentRequest | null>(null);
  /** Loss per step and validation Dice/IoU per epoch, as they arrive. */
  const lossPoints = ref<[number, number][]>([]);
  const dicePoints = ref<[number, number][]>([]);
  const iouPoints = ref<[number, number][]>([]);
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
    jobId.value = useJobsStore().started(await api().trainStudent(req));
  }

  /** The curves after one more report: loss by step, and the scores of each validated epoch. */
  function foldCurves(j: JobOf<'train'>): void {
    const d = j.detail;
    if (!d) return;
    const last = lossPoints.value.at(-1);
    if (!last || last[0] !== j.done) lossPoints.value = [...lossPoints.value, [j.done, d.loss]];
    if (d.validated && d.valDice !== undefined && dicePoints.value.at(-1)?.[0] !== d.epoch) {
      dicePoints.value = [...dicePoints.value, [d.epoch, d.valDice]];
      if (d.valIou !== undefined) iouPoints.value = [...iouPoints.value, [d.epoch, d.valIou]];
    }
  }

  return {
    presets,
    students,
    runs,
    unfinished,
    nameIsFree,
    freshName,
    jobId,
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
    cancel,
  };
});
