import { watch } from 'vue';
import { useAppStore } from '../stores/app';

/** Runs `load` again whenever the connection to the server comes back (data may have changed meanwhile). */
export function useReconnect(load: () => Promise<unknown> | void): void {
  const app = useAppStore();
  watch(
    () => app.connection.status,
    async (s) => {
      if (s === 'connected') await load();
    },
  );
}
