// The web shell's bridge when the server goes away: calls fail at once with a "not connected" error (no
// hang), the state says so, reconnection follows with a growing delay, "reconnect now" skips the wait,
// and calls work again once reconnected.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createWsBridge,
  isDisconnectedError,
  reconnectDelay,
  type ConnectionState,
} from '../../../../renderer/src/api/ws-bridge.js';
import { decodeMessage, encodeMessage } from '../../../../shared/wire.js';
import { AppError } from '../../../../shared/errors.js';

/** A WebSocket stand-in: the test opens, answers and closes it. */
class FakeSocket extends EventTarget {
  binaryType = 'blob';
  sent: { id: number; method: string }[] = [];
  constructor(readonly url: string) {
    super();
  }
  send(data: Uint8Array): void {
    this.sent.push(decodeMessage(data) as { id: number; method: string });
  }
  open(): void {
    this.dispatchEvent(new Event('open'));
  }
  reply(id: number, value: unknown): void {
    const e = new Event('message') as Event & { data: ArrayBuffer };
    const bytes = encodeMessage({ t: 'reply', id, ok: true, value });
    e.data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    this.dispatchEvent(e);
  }
  drop(code = 1006): void {
    const e = new Event('close') as Event & { code: number; reason: string };
    e.code = code;
    e.reason = '';
    this.dispatchEvent(e);
  }
}

describe('web shell bridge: a lost connection', () => {
  let sockets: FakeSocket[];
  const bridge = () =>
    createWsBridge('ws://x/api', (u) => sockets[sockets.push(new FakeSocket(u)) - 1] as never);

  beforeEach(() => {
    sockets = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('fails calls at once while disconnected, reconnects with backoff, and works again', async () => {
    const b = bridge();
    const states: ConnectionState['status'][] = [];
    b.onConnection((s) => states.push(s.status));
    sockets[0]!.open();
    await b.ready;

    // A call in flight when the server goes away fails instead of hanging.
    const inFlight = b.getAppInfo();
    sockets[0]!.drop();
    const lost = await inFlight;
    expect(lost.ok).toBe(false);
    expect(b.connection()).toMatchObject({ status: 'disconnected', attempt: 0 });
    expect(b.connection().nextAttemptAt).not.toBeNull();

    // While disconnected: an immediate "not connected" error that the UI can tell from a refusal.
    const refused = await b.listDatasets();
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(isDisconnectedError(AppError.fromPayload(refused.error))).toBe(true);

    // First retry after 1 s; it fails; the next waits 2 s.
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop();
    expect(b.connection()).toMatchObject({ status: 'disconnected', attempt: 1 });
    vi.advanceTimersByTime(1999);
    expect(sockets).toHaveLength(2);

    // "Reconnect now" does not wait for the timer.
    b.reconnectNow();
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    expect(b.connection()).toMatchObject({ status: 'connected', attempt: 0, nextAttemptAt: null });
    const call = b.listDatasets();
    await Promise.resolve();
    await Promise.resolve();
    const sent = sockets[2]!.sent.at(-1)!;
    expect(sent.method).toBe('listDatasets');
    sockets[2]!.reply(sent.id, []);
    expect(await call).toEqual({ ok: true, value: [] });
    // Connected, lost (through every attempt), connected again: never "connected" in between.
    expect(states[0]).toBe('connected');
    expect(states.at(-1)).toBe('connected');
    expect(states.slice(1, -1).every((s) => s === 'disconnected')).toBe(true);
  });

  it('waits 1, 2, 4 ... seconds between attempts, never more than 30', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(reconnectDelay)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });
});
