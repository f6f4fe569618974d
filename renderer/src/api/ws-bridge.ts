/**
 * window.api for the web shell: the same AppBridge the Electron preload exposes, carried over a
 * WebSocket with the shared wire codec. The token travels in the HttpOnly cookie the server set.
 */
import type { AppBridge, ApiMethod, Reply } from '@shared/api';
import { API_METHODS } from '@shared/api-methods';
import type { AppEventListener } from '@shared/events';
import { ErrorCode } from '@shared/errors';
import { decodeMessage, encodeMessage, type ServerMessage } from '@shared/wire';

export interface WsBridge extends AppBridge {
  /** Resolves once connected; rejects when the server refuses (e.g. no token). */
  ready: Promise<void>;
}

export function createWsBridge(url: string): WsBridge {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const pending = new Map<number, (r: Reply<unknown>) => void>();
  const listeners = new Set<AppEventListener>();
  let nextId = 1;
  let closed = false;

  const ready = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error('Could not connect to the Apprentice server')), {
      once: true,
    });
  });
  ws.addEventListener('close', (e) => {
    closed = true;
    const error = {
      code: ErrorCode.IO_ERROR,
      message: `The connection to the Apprentice server closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`,
    };
    for (const settle of pending.values()) settle({ ok: false, error });
    pending.clear();
  });
  ws.addEventListener('message', (e) => {
    let msg: ServerMessage;
    try {
      msg = decodeMessage(new Uint8Array(e.data as ArrayBuffer)) as ServerMessage;
    } catch {
      return; // a server we cannot understand: nothing sensible to deliver
    }
    if (msg.t === 'event') {
      for (const l of listeners) l(msg.event);
    } else if (msg.t === 'reply' && msg.id !== null) {
      const settle = pending.get(msg.id);
      pending.delete(msg.id);
      settle?.(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
    }
  });

  const call = async (method: ApiMethod, args: unknown[]): Promise<Reply<unknown>> => {
    await ready;
    if (closed) return { ok: false, error: { code: ErrorCode.IO_ERROR, message: 'Not connected' } };
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(encodeMessage({ t: 'call', id, method, args }));
    });
  };

  const bridge: Record<string, unknown> = { ready };
  for (const m of API_METHODS) bridge[m] = (...args: unknown[]) => call(m, args);
  bridge.onEvent = (l: AppEventListener) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  return bridge as unknown as WsBridge;
}
