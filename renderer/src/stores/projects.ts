/** The open project and the list of recent ones. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ProjectSummary, RecentProject } from '@shared/dto';
import { api } from '../api/client';

export const useProjectsStore = defineStore('projects', () => {
  const current = ref<ProjectSummary | null>(null);
  const recent = ref<RecentProject[]>([]);
  const busy = ref(false);

  async function load(): Promise<void> {
    const [c, r] = await Promise.all([api().getCurrentProject(), api().listRecentProjects()]);
    current.value = c;
    recent.value = r;
  }

  async function run<T>(fn: () => Promise<T>): Promise<T> {
    busy.value = true;
    try {
      return await fn();
    } finally {
      busy.value = false;
    }
  }

  async function create(parentDir: string, name: string): Promise<void> {
    current.value = await run(() => api().createProject({ parentDir, name }));
    recent.value = await api().listRecentProjects();
  }

  async function open(path: string): Promise<void> {
    current.value = await run(() => api().openProject({ path }));
    recent.value = await api().listRecentProjects();
  }

  async function close(): Promise<void> {
    await run(() => api().closeProject());
    current.value = null;
  }

  async function forget(path: string): Promise<void> {
    recent.value = await api().forgetRecentProject({ path });
  }

  /** Keeps the store in step with changes made elsewhere (another window, the CLI-driven web shell). */
  function applyEvent(project: ProjectSummary | null): void {
    current.value = project;
  }

  return { current, recent, busy, load, create, open, close, forget, applyEvent };
});
