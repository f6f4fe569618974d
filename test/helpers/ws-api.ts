// A Node client of the web shell's API (the same wire codec as the renderer), for tests that need to
// look at what the server stored while a browser drives the UI.
import WebSocket from 'ws';
import type { AppApi } from '../../shared/api.js';
import { decodeMessage, encodeMessage, type ServerMessage } from '../../shared/wire.js';
import { AppError } from '../../shared/errors.js';

export interface WsApi {
  api: AppApi;
  close(): void;
}

export async function connectWsApi(loginUrl: string): Promise<WsApi> {
  const url = new URL(loginUrl);
  const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, (m: ServerMessage) => void>();
  ws.on('message', (d: Buffer) => {
    const msg = decodeMessage(new Uint8Array(d)) as ServerMessage;
    if (msg.t === 'reply' && msg.id !== null) {
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    }
  });
  const api = new Proxy({} as AppApi, {
    get:
      (_t, method: string) =>
      (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          const id = next++;
          pending.set(id, (m) => {
            if (m.t !== 'reply') return;
            if (m.ok) resolve(m.value);
            else reject(AppError.fromPayload(m.error));
          });
          ws.send(encodeMessage({ t: 'call', id, method: method as keyof AppApi, args }));
        }),
  });
  return { api, close: () => ws.close() };
}

/** Polls listJobs until the job has finished. */
export async function waitForJob(api: AppApi, jobId: string, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = (await api.listJobs()).find((j) => j.jobId === jobId);
    if (job && job.state !== 'running' && job.state !== 'queued') return job;
    if (Date.now() > end) throw new Error(`job ${jobId} did not finish in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
