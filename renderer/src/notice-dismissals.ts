/**
 * Which compute notices the user dismissed, remembered in the window's localStorage (the app:// origin of
 * the desktop app, or the web shell's) by the notice's text: the same notice stays dismissed across
 * restarts, a different one (another cause) is shown again.
 */
const KEY = 'apprentice.dismissedComputeNotices';
/** Enough for every notice one machine plausibly produces; older ones drop off first. */
const KEEP = 10;

/** The part of the Web Storage API (window.localStorage) used here; a fake in tests. */
export interface NoticeStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function read(storage: NoticeStorage): string[] {
  try {
    const value: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    // Unreadable (storage disabled, or not our JSON): as if nothing was dismissed.
    return [];
  }
}

export function isNoticeDismissed(text: string, storage: NoticeStorage): boolean {
  return read(storage).includes(text);
}

export function dismissNotice(text: string, storage: NoticeStorage): void {
  const kept = read(storage).filter((t) => t !== text);
  try {
    storage.setItem(KEY, JSON.stringify([...kept, text].slice(-KEEP)));
  } catch {
    // Storage full or disabled: the banner still closes for this session (the caller remembers it).
  }
}
