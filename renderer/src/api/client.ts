/**
 * The renderer's one door to the main process: an AppApi whose methods throw AppError, built on whichever
 * bridge the shell provides (Electron's preload or the web shell's WebSocket).
 */
import type { AppApi, AppBridge, ApiMethod } from '@shared/api';
import { API_METHODS } from '@shared/api-methods';
import { AppError } from '@shared/errors';
import type { AppEventListener } from '@shared/events';
import {
  createWsBridge,
  isDisconnectedError,
  type ConnectionListener,
  type ConnectionState,
  type WsBridge,
} from './ws-bridge';

export interface ApiClient extends AppApi {
  onEvent(listener: AppEventListener): () => void;
  /** The connection to the main process (always connected in the desktop app). */
  connection(): ConnectionState;
  onConnection(listener: ConnectionListener): () => void;
  reconnectNow(): void;
}

/** The desktop app talks to its own main process over IPC: that connection does not drop. */
const ALWAYS_CONNECTED: ConnectionState = {
  status: 'connected',
  attempt: 0,
  nextAttemptAt: null,
  reason: null,
};

export async function connectApi(): Promise<ApiClient> {
  let bridge: AppBridge;
  let ws: WsBridge | null = null;
  if (window.api) {
    bridge = window.api;
  } else {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = createWsBridge(`${scheme}://${location.host}/api`);
    await ws.ready;
    bridge = ws;
  }
  const client: Record<string, unknown> = {
    onEvent: (l: AppEventListener) => bridge.onEvent(l),
    connection: () => ws?.connection() ?? ALWAYS_CONNECTED,
    onConnection: (l: ConnectionListener) => ws?.onConnection(l) ?? (() => undefined),
    reconnectNow: () => ws?.reconnectNow(),
  };
  for (const m of API_METHODS) {
    client[m] = async (...args: unknown[]) => {
      const fn = bridge[m as ApiMethod] as (
        ...a: unknown[]
      ) => Promise<Awaited<ReturnType<AppBridge[ApiMethod]>>>;
      const reply = await fn(...args);
      if (!reply.ok) throw AppError.fromPayload(reply.error);
      return reply.value;
    };
  }
  return client as unknown as ApiClient;
}

let current: ApiClient | null = null;

export function setApi(client: ApiClient): void {
  current = client;
}

/** The connected client; main.ts connects before mounting, so stores and views can call this freely. */
export function api(): ApiClient {
  if (!current) throw new Error('API used before connectApi() finished');
  return current;
}

export { isDisconnectedError };

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
