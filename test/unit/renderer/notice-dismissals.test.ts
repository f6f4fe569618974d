import { describe, expect, it } from 'vitest';
import {
  dismissNotice,
  isNoticeDismissed,
  type NoticeStorage,
} from '../../../renderer/src/notice-dismissals.js';

function memoryStorage(initial: Record<string, string> = {}): NoticeStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('notice dismissals', () => {
  it('remembers a dismissed notice by its text, and only that one', () => {
    const s = memoryStorage();
    expect(isNoticeDismissed('slow: no addon', s)).toBe(false);
    dismissNotice('slow: no addon', s);
    expect(isNoticeDismissed('slow: no addon', s)).toBe(true);
    expect(isNoticeDismissed('slow: stock cpu backend', s)).toBe(false);
  });

  it('keeps the ten latest, each once', () => {
    const s = memoryStorage();
    for (let i = 0; i < 12; i++) dismissNotice(`notice ${i}`, s);
    dismissNotice('notice 11', s);
    expect(isNoticeDismissed('notice 1', s)).toBe(false);
    expect(isNoticeDismissed('notice 2', s)).toBe(true);
    expect(JSON.parse(s.data.get('apprentice.dismissedComputeNotices')!)).toHaveLength(10);
  });

  it('treats unreadable or refusing storage as nothing dismissed', () => {
    expect(isNoticeDismissed('x', memoryStorage({ 'apprentice.dismissedComputeNotices': '{not json' }))).toBe(
      false,
    );
    expect(isNoticeDismissed('x', memoryStorage({ 'apprentice.dismissedComputeNotices': '{"x":1}' }))).toBe(
      false,
    );
    const full: NoticeStorage = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => dismissNotice('x', full)).not.toThrow();
  });
});
