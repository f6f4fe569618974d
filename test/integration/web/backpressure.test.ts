// A client that does not read its replies must not grow the server: past a limit of queued output the
// server stops reading that client's requests until it drains, and closes it past a hard limit.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import WebSocket, { WebSocketServer } from 'ws';
import type { AppServices } from '../../../electron/services/app-services.js';
import { serveConnection, type OutputLimits } from '../../../electron/web/ws-bridge.js';
import { decodeMessage, encodeMessage, type ServerMessage } from '../../../shared/wire.js';
import { testServices } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';

const SIDE = 1024;
const MiB = 1024 * 1024;

describe('web shell back-pressure', () => {
  const t = tempDir();
  let services: AppServices;
  let imageId: number;
  let replyBytes: number;
  let wss: WebSocketServer | null = null;

  beforeAll(async () => {
    // One 1024 x 1024 16-bit image: each getImage reply carries 2 MiB of pixels, as in the issue.
    const images = join(t.dir, 'images');
    mkdirSync(images, { recursive: true });
    const pixels = new Uint16Array(SIDE * SIDE).map((_, i) => (i * 7919) % 65536);
    writeFileSync(
      join(images, 'big.png'),
      encodePng({ width: SIDE, height: SIDE, data: pixels, depth: 16, channels: 1 }),
    );
    services = testServices(join(t.dir, 'user-data'));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    const job = await services.api.importImages({ path: images, dataset: 'big' });
    await services.jobs.wait(job.jobId);
    imageId = (await services.api.listImages({}))[0]!.id;
    const reply = await services.api.getImage({ imageId });
    replyBytes = encodeMessage({ t: 'reply', id: 1, ok: true, value: reply }).length;
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    if (wss) {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss!.close(() => r()));
    }
    wss = null;
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  /** A bridge on a real socket with these limits; resolves with the server's end once the client is open. */
  async function connectPair(limits: OutputLimits): Promise<{ client: WebSocket; server: WebSocket }> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss = server;
    await new Promise<void>((r) => server.once('listening', () => r()));
    const accepted = new Promise<WebSocket>((r) =>
      server.once('connection', (ws) => {
        serveConnection(ws, services, limits);
        r(ws);
      }),
    );
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise<void>((r) => client.once('open', () => r()));
    return { client, server: await accepted };
  }

  /** Resolves when the bridge logs a line matching `pattern` at `level`. */
  function logged(level: 'warn' | 'debug', pattern: RegExp): Promise<string> {
    return new Promise((resolve) => {
      const original = services.log[level].bind(services.log);
      vi.spyOn(services.log, level).mockImplementation((msg: string, data?: unknown) => {
        original(msg, data);
        if (pattern.test(msg)) resolve(msg);
      });
    });
  }

  const getImage = (id: number) => encodeMessage({ t: 'call', id, method: 'getImage', args: [{ imageId }] });

  it('closes a client whose unread replies pass the hard limit, and queues no more for it', async () => {
    const limits = { pauseReadingAt: 1 * MiB, closeAt: 8 * MiB };
    const { client, server } = await connectPair(limits);
    const closing = logged('warn', /does not read its replies/);
    client.pause(); // a client that never reads
    for (let id = 1; id <= 64; id++) client.send(getImage(id)); // 64 x 2 MiB of replies asked for
    await closing;
    // At the moment it gave up, the server held at most the hard limit plus the reply that crossed it.
    expect(server.bufferedAmount).toBeLessThanOrEqual(limits.closeAt + replyBytes);
    expect(server.readyState).toBe(WebSocket.CLOSING);

    // Once the client reads, it finds the replies that were queued, then the reason for the close.
    let replies = 0;
    client.on('message', () => replies++);
    const closed = new Promise<[number, string]>((r) =>
      client.once('close', (code, reason) => r([code, reason.toString()])),
    );
    client.resume();
    const [code, reason] = await closed;
    expect(code).toBe(1008);
    expect(reason).toMatch(/not read/);
    expect(replies).toBeLessThan(64);
  });

  it('stops reading a client that does not keep up, and serves it again once it has read', async () => {
    const { client, server } = await connectPair({ pauseReadingAt: 1 * MiB, closeAt: 1024 * MiB });
    const paused = logged('debug', /stopped reading/);
    client.pause();
    for (let id = 1; id <= 16; id++) client.send(getImage(id));
    await paused;
    expect(server.isPaused).toBe(true);

    const seen = new Map<number | null, ServerMessage>();
    const allIn = new Promise<void>((resolve) =>
      client.on('message', (d: Buffer) => {
        const msg = decodeMessage(new Uint8Array(d)) as ServerMessage;
        if (msg.t === 'reply') seen.set(msg.id, msg);
        if (seen.has(17)) resolve();
      }),
    );
    client.resume();
    // Sent while the server may still be paused: it must be read once the replies have drained.
    client.send(encodeMessage({ t: 'call', id: 17, method: 'getAppInfo', args: [] }));
    await allIn;
    for (let id = 1; id <= 16; id++) expect(seen.get(id), `reply ${id}`).toMatchObject({ ok: true });
    expect(seen.get(17)).toMatchObject({ ok: true, value: { shell: 'web' } });
    expect(server.isPaused).toBe(false);
    client.close();
  });
});
