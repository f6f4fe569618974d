/** The open project's teachers, previews and the pseudo-labelling job started from this window. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type {
  PseudoLabelOptions,
  TeacherContractHints,
  TeacherPreviewResult,
  TeacherSummary,
} from '@shared/dto';
import { api } from '../api/client';
import { useJobsStore } from './jobs';

export const useTeachersStore = defineStore('teachers', () => {
  const list = ref<TeacherSummary[]>([]);
  const preview = ref<TeacherPreviewResult | null>(null);
  const previewing = ref<number | null>(null);
  const lastAssumed = ref<string[]>([]);
  const jobId = ref<string | null>(null);
  /** Whether `list` came from the server: "none yet" is said only then, not after a failed load. */
  const loaded = ref(false);

  async function load(): Promise<void> {
    list.value = await api().listTeachers();
    loaded.value = true;
  }

  /** Another project was opened: nothing of this one's may show. */
  function reset(): void {
    list.value = [];
    loaded.value = false;
    preview.value = null;
    lastAssumed.value = [];
  }

  async function add(path: string, name?: string, hints?: TeacherContractHints): Promise<TeacherSummary> {
    const r = await api().importTeacher({ path, ...(name ? { name } : {}), ...(hints ? { hints } : {}) });
    lastAssumed.value = r.assumed;
    await load();
    return r.teacher;
  }

  async function runPreview(teacherId: number, datasetId?: number): Promise<void> {
    previewing.value = teacherId;
    try {
      preview.value = await api().previewTeacher({
        teacherId,
        ...(datasetId !== undefined ? { datasetId } : {}),
      });
    } finally {
      previewing.value = null;
    }
  }

  async function run(req: PseudoLabelOptions): Promise<void> {
    jobId.value = useJobsStore().started(await api().runPseudoLabels(req));
  }

  return { list, loaded, preview, previewing, lastAssumed, jobId, load, reset, add, runPreview, run };
});
