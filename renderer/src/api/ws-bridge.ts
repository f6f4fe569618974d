/**
 * window.api for the web shell: the same AppBridge the Electron preload exposes, carried over a
 * WebSocket with the shared wire codec. The token travels in the HttpOnly cookie the server set.
 *
 * When the connection drops (the server stopped, the network went away) calls fail at once with a
 * "not connected" error, and the bridge reconnects by itself with a growing delay; `reconnectNow`
 * skips the wait. Relative `.js` imports because unit tests load it as Node code.
 */
import type { AppBridge, ApiMethod, Reply } from '../../../shared/api.js';
import { API_METHODS } from '../../../shared/api-methods.js';
import type { AppEventListener } from '../../../shared/events.js';
import { ErrorCode, type ErrorPayload } from '../../../shared/errors.js';
import { decodeMessage, encodeMessage, type ServerMessage } from '../../../shared/wire.js';

export interface ConnectionState {
  status: 'connected' | 'disconnected';
  /** Reconnection attempts made since the connection was lost. */
  attempt: number;
  /** When the next attempt starts (epoch ms), null while connected or connecting. */
  nextAttemptAt: number | null;
  /** Why the connection closed, in words (close code and reason). */
  reason: string | null;
}

export type ConnectionListener = (state: ConnectionState) => void;

export interface WsBridge extends AppBridge {
  /** Resolves once first connected; rejects when the server cannot be reached at all. */
  ready: Promise<void>;
  connection(): ConnectionState;
  onConnection(listener: ConnectionListener): () => void;
  /** Tries to reconnect now instead of waiting for the next scheduled attempt. */
  reconnectNow(): void;
}

/** The WebSocket constructor the bridge uses (the browser's; unit tests pass a fake). */
export type SocketFactory = (url: string) => WebSocket;

/** The detail that marks an error as "the server is not reachable", not as a refusal of the request. */
export const DISCONNECTED_DETAIL = { disconnected: true } as const;

/** Delay before reconnection attempt `attempt` (0-based): 1 s, 2 s, 4 s ... up to 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(attempt, 15));
}

/** True for the error a call gets while the server is not reachable. */
export function isDisconnectedError(err: unknown): boolean {
  const detail = (err as { detail?: Record<string, unknown> } | null)?.detail;
  return detail?.disconnected === true;
}

export function createWsBridge(url: string, makeSocket: SocketFactory = (u) => new WebSocket(u)): WsBridge {
  const pending = new Map<number, (r: Reply<unknown>) => void>();
  const listeners = new Set<AppEventListener>();
  const connectionListeners = new Set<ConnectionListener>();
  let nextId = 1;
  let ws: WebSocket | null = null;
  let open = false;
  let state: ConnectionState = { status: 'disconnected', attempt: 0, nextAttemptAt: null, reason: null };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let everConnected = false;
  let settleReady: { resolve: () => void; reject: (e: Error) => void } | null = null;
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));

  const notConnected = (): ErrorPayload => ({
    code: ErrorCode.IO_ERROR,
    message: `Not connected to the Apprentice server${state.reason ? ` (${state.reason})` : ''}`,
    detail: { ...DISCONNECTED_DETAIL },
  });

  function setState(next: ConnectionState): void {
    state = next;
    for (const l of connectionListeners) l(state);
  }

  function connect(): void {
    const socket = makeSocket(url);
    ws = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      if (ws !== socket) return;
      open = true;
      everConnected = true;
      settleReady?.resolve();
      settleReady = null;
      setState({ status: 'connected', attempt: 0, nextAttemptAt: null, reason: null });
    });
    socket.addEventListener('close', (e) => {
      if (ws !== socket) return;
      open = false;
      ws = null;
      const reason = `closed${e.code ? ` with ${e.code}` : ''}${e.reason ? `: ${e.reason}` : ''}`;
      // Calls in flight have no reply coming: they fail now rather than hang.
      const error = { ...notConnected(), message: `The connection to the Apprentice server ${reason}` };
      for (const settle of pending.values()) settle({ ok: false, error });
      pending.clear();
      if (!everConnected) {
        settleReady?.reject(new Error('Could not connect to the Apprentice server'));
        settleReady = null;
        return; // never connected: the page shows that instead of retrying forever
      }
      const attempt = state.status === 'connected' ? 0 : state.attempt + 1;
      schedule(attempt, reason);
    });
    socket.addEventListener('message', (e) => {
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
  }

  function schedule(attempt: number, reason: string): void {
    const delay = reconnectDelay(attempt);
    setState({ status: 'disconnected', attempt, nextAttemptAt: Date.now() + delay, reason });
    if (timer) clearTimeout(timer);
    timer = setTimeout(retry, delay);
  }

  function retry(): void {
    timer = null;
    if (ws) return; // an attempt is already under way
    setState({ ...state, nextAttemptAt: null });
    connect();
  }

  function reconnectNow(): void {
    if (state.status === 'connected' || !everConnected) return;
    if (timer) clearTimeout(timer);
    retry();
  }

  const call = async (method: ApiMethod, args: unknown[]): Promise<Reply<unknown>> => {
    await ready;
    const socket = ws;
    if (!open || !socket) return { ok: false, error: notConnected() };
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      socket.send(encodeMessage({ t: 'call', id, method, args }));
    });
  };

  connect();
  const bridge: Record<string, unknown> = {
    ready,
    connection: () => state,
    onConnection: (l: ConnectionListener) => {
      connectionListeners.add(l);
      return () => connectionListeners.delete(l);
    },
    reconnectNow,
  };
  for (const m of API_METHODS) bridge[m] = (...args: unknown[]) => call(m, args);
  bridge.onEvent = (l: AppEventListener) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  return bridge as unknown as WsBridge;
}
