// The real `apprentice web` process against hostile clients: nothing a client sends may end it, and the
// allow-list flags reach the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage, type ServerMessage } from '../../../shared/wire.js';
import { startWebShellProcess, type WebShellProcess } from '../../helpers/web-shell-process.js';
import { tempDir } from '../../helpers/temp.js';

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

function nextMessage(ws: WebSocket): Promise<ServerMessage> {
  return new Promise((resolve) =>
    ws.once('message', (d: Buffer) => resolve(decodeMessage(new Uint8Array(d)) as ServerMessage)),
  );
}

describe('apprentice web (the process)', () => {
  const t = tempDir();
  const rendererDir = join(t.dir, 'renderer');
  let server: WebShellProcess;
  let wsUrl: string;

  beforeAll(async () => {
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test renderer</title>');
    server = await startWebShellProcess(join(t.dir, 'user-data'), { APPRENTICE_RENDERER_DIR: rendererDir }, [
      '--allowed-host',
      'apprentice.example.org',
      '--allowed-origin',
      'https://apprentice.example.org',
    ]);
    const login = new URL(server.loginUrl);
    wsUrl = `ws://${login.host}/api?token=${login.searchParams.get('token')}`;
  });
  afterAll(async () => {
    await server.stop();
    t.cleanup();
  });

  it('survives the frame whose method has a non-callable toString, and keeps serving', async () => {
    const ws = (await open(wsUrl)) as WebSocket;
    const head = Buffer.from('{"t":"call","id":1,"method":{"toString":1},"args":[]}');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(head.length);
    let reply = nextMessage(ws);
    ws.send(Buffer.concat([length, head]));
    expect(await reply).toMatchObject({ id: 1, ok: false, error: { code: 'INVALID_ARGUMENT' } });
    reply = nextMessage(ws);
    ws.send(encodeMessage({ t: 'call', id: 2, method: 'getAppInfo', args: [] }));
    expect(await reply).toMatchObject({ id: 2, ok: true, value: { shell: 'web' } });
    ws.close();
    expect(server.child.exitCode).toBeNull();
  });

  it('takes --allowed-host and --allowed-origin for a reverse proxy in front of it', async () => {
    const proxied = { Host: 'apprentice.example.org' };
    const ws = await open(wsUrl, { ...proxied, Origin: 'https://apprentice.example.org' });
    expect(ws).toBeInstanceOf(WebSocket);
    (ws as WebSocket).close();
    expect(await open(wsUrl, { ...proxied, Origin: 'https://evil.example' })).toBe(403);
    expect(await open(wsUrl, { Host: 'evil.example', Origin: 'https://apprentice.example.org' })).toBe(421);
  });
});
