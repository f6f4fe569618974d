import { onMounted, watch } from 'vue';
import { errorMessage, isDisconnectedError } from '../api/client';
import { useProjectsStore } from '../stores/projects';
import { useReconnect } from './useReconnect';

/**
 * Loads what a screen lists: when it opens ('project': whenever a project opens, and never without one)
 * and again when a lost connection is back, as data may have changed meanwhile. A failed load keeps what
 * was on screen and says why through `onError`; a lost connection is not said here, as the app shows it
 * once for every screen.
 */
export function useScreenLoad(
  load: () => Promise<void>,
  onError: (message: string) => void,
  scope: 'project' | 'app',
): void {
  const projects = useProjectsStore();
  async function run(): Promise<void> {
    if (scope === 'project' && !projects.current) return;
    try {
      await load();
    } catch (err) {
      if (!isDisconnectedError(err)) onError(errorMessage(err));
    }
  }
  if (scope === 'project') watch(() => projects.current?.id, run, { immediate: true });
  else onMounted(run);
  useReconnect(run);
}
