/** The student training started from this window: its job, and the curves built from its progress events. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobProgress, StudentPreset, StudentSummary, TrainStudentRequest } from '@shared/dto';
import { api } from '../api/client';

export const useTrainingStore = defineStore('training', () => {
  const presets = ref<StudentPreset[]>([]);
  const students = ref<StudentSummary[]>([]);
  const job = ref<JobProgress | null>(null);
  const lastRequest = ref<TrainStudentRequest | null>(null);
  /** Loss per step and validation Dice/IoU per epoch, as they arrive. */
  const lossPoints = ref<[number, number][]>([]);
  const dicePoints = ref<[number, number][]>([]);
  const iouPoints = ref<[number, number][]>([]);
  const running = computed(() => job.value?.state === 'running');

  async function load(): Promise<void> {
    const [p, s] = await Promise.all([api().listStudentPresets(), api().listStudents()]);
    presets.value = p;
    students.value = s;
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
    if (j.state !== 'running') void load();
  }

  return {
    presets,
    students,
    job,
    lastRequest,
    lossPoints,
    dicePoints,
    iouPoints,
    running,
    load,
    start,
    onJob,
  };
});
