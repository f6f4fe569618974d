// The sandboxed preload, run against a fake 'electron' module (no Electron binary exists on our machines).
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, IPC_CHANNELS } from '../../../shared/api-methods.js';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (..._a: unknown[]) => ({ ok: true, value: 'pong' }));
const listeners = new Map<string, Set<(...a: unknown[]) => void>>();

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, value: unknown) => {
      exposed[key] = value;
    },
  },
  ipcRenderer: {
    invoke: (...a: unknown[]) => invoke(...a),
    on: (ch: string, fn: (...a: unknown[]) => void) => {
      if (!listeners.has(ch)) listeners.set(ch, new Set());
      listeners.get(ch)!.add(fn);
    },
    removeListener: (ch: string, fn: (...a: unknown[]) => void) => listeners.get(ch)?.delete(fn),
  },
}));

await import('../../../electron/preload.js');

describe('preload', () => {
  it('exposes exactly the contract methods plus onEvent, as window.api and nothing else', () => {
    expect(Object.keys(exposed)).toEqual(['api']);
    const api = exposed.api as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...API_METHODS, 'onEvent'].sort());
    for (const k of Object.keys(api)) expect(typeof api[k]).toBe('function');
  });

  it('forwards a call as invoke(channel, method, args) and returns the reply envelope', async () => {
    const api = exposed.api as Record<string, (...a: unknown[]) => Promise<unknown>>;
    await expect(api.openProject!({ path: '/p' })).resolves.toEqual({ ok: true, value: 'pong' });
    expect(invoke).toHaveBeenCalledWith(IPC_CHANNELS.call, 'openProject', [{ path: '/p' }]);
  });

  it('subscribes and unsubscribes event listeners without exposing the IPC event object', () => {
    const api = exposed.api as { onEvent: (l: (e: unknown) => void) => () => void };
    const seen: unknown[] = [];
    const off = api.onEvent((e) => seen.push(e));
    const [handler] = listeners.get(IPC_CHANNELS.event)!;
    handler!({ sender: 'ipc-internals' }, { type: 'project', project: null });
    expect(seen).toEqual([{ type: 'project', project: null }]);
    off();
    expect(listeners.get(IPC_CHANNELS.event)!.size).toBe(0);
  });
});
