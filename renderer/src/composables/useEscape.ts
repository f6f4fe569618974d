import { onMounted, onUnmounted } from 'vue';

/** Calls `close` when Escape is pressed while the calling component (a dialog) is mounted. */
export function useEscape(close: () => void): void {
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onUnmounted(() => window.removeEventListener('keydown', onKey));
}
