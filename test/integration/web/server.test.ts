// The web shell against real sockets: the token, the origin and host checks, and hostile frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWebShell, type WebShell } from '../../../electron/web/server.js';
import type { AppServices } from '../../../electron/services/app-services.js';
import { decodeMessage, encodeMessage, type ServerMessage } from '../../../shared/wire.js';
import { testServices } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket; resolves with it when open, or with the HTTP status that refused the upgrade. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
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

async function call(ws: WebSocket, id: number, method: string, args: unknown[] = []): Promise<ServerMessage> {
  const reply = nextMessage(ws);
  ws.send(encodeMessage({ t: 'call', id, method: method as never, args }));
  return reply;
}

/** A frame of the wire codec with this exact JSON header (no binary parts). */
function rawFrame(headerJson: string): Buffer {
  const head = Buffer.from(headerJson, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head]);
}

/** One value of every JSON type, and objects whose keys shadow what String() and property access use. */
const HOSTILE_JSON_VALUES = [
  'null',
  'true',
  'false',
  '0',
  '-1',
  '1.5',
  '1e308',
  '9007199254740993',
  '""',
  '"x"',
  '"getSettings"',
  '"__proto__"',
  '"toString"',
  '[]',
  '[1,"a",null,{}]',
  '{}',
  '{"toString":1}',
  '{"valueOf":1}',
  '{"toString":1,"valueOf":1}',
  '{"toString":{},"valueOf":{}}',
  '{"__proto__":{"toString":1}}',
  '{"constructor":{"prototype":{"toString":1}}}',
  '{"$bin":0,"type":"Uint8Array","length":0}',
];

describe('web shell server', () => {
  const t = tempDir();
  const rendererDir = join(t.dir, 'renderer');
  let services: AppServices;
  let shell: WebShell;
  let wsUrl: string;

  beforeAll(async () => {
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test renderer</title>');
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(t.dir, 'secret.txt'), 'do not serve');
    services = testServices(join(t.dir, 'user-data'));
    shell = await startWebShell({ services, rendererDir, maxPayloadBytes: 64 * 1024 });
    wsUrl = `ws://127.0.0.1:${shell.port}/api`;
  });

  afterAll(async () => {
    await shell.close();
    await services.dispose();
    t.cleanup();
  });

  it('refuses HTTP requests without the token', async () => {
    expect((await get(shell.port, '/')).status).toBe(401);
    expect((await get(shell.port, '/assets/app.js')).status).toBe(401);
    expect((await get(shell.port, '/?token=wrong')).status).toBe(401);
  });

  it('trades the token for an HttpOnly cookie and then serves the renderer with a strict CSP', async () => {
    const first = await get(shell.port, `/?token=${shell.token}`);
    expect(first.status).toBe(302);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await get(shell.port, '/', { Cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/test renderer/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-eval/);
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('marks the cookie Secure when a TLS reverse proxy says the visit came over https', async () => {
    const plainHttp = await get(shell.port, `/?token=${shell.token}`);
    expect(String(plainHttp.headers['set-cookie'])).not.toMatch(/Secure/);
    const viaTls = await get(shell.port, `/?token=${shell.token}`, { 'X-Forwarded-Proto': 'https' });
    expect(String(viaTls.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('never serves files outside the renderer folder', async () => {
    const cookie = `apprentice_token_${shell.port}=${shell.token}`;
    // The cookie is the one this server accepts, so the refusals below are the path checks, not a 401.
    expect((await get(shell.port, '/', { Cookie: cookie })).status).toBe(200);
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%00',
    ]) {
      const r = await get(shell.port, p, { Cookie: cookie });
      expect(r.body, p).not.toMatch(/do not serve/);
    }
  });

  it('answers only to loopback host names (DNS rebinding)', async () => {
    const r = await get(shell.port, `/?token=${shell.token}`, { Host: 'evil.example' });
    expect(r.status).toBe(421);
  });

  it('refuses WebSocket connections without the token, with a wrong one, or from a foreign origin', async () => {
    expect(await connect(wsUrl)).toBe(401);
    expect(await connect(`${wsUrl}?token=nope`)).toBe(401);
    expect(await connect(`${wsUrl}?token=${shell.token}`, { Origin: 'https://evil.example' })).toBe(403);
    expect(await connect(`ws://127.0.0.1:${shell.port}/other?token=${shell.token}`)).toBe(404);
  });

  it('serves calls, answers malformed messages with errors, and keeps serving', async () => {
    const ws = (await connect(`${wsUrl}?token=${shell.token}`, {
      Origin: `http://127.0.0.1:${shell.port}`,
    })) as WebSocket;
    expect(ws).toBeInstanceOf(WebSocket);
    expect(await call(ws, 1, 'getSettings')).toMatchObject({ t: 'reply', id: 1, ok: true });

    let reply = nextMessage(ws);
    ws.send('{"t":"call","id":2,"method":"getSettings","args":[]}');
    expect(await reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });

    reply = nextMessage(ws);
    ws.send(Buffer.from([0, 0, 0, 99, 1, 2, 3]));
    expect(await reply).toMatchObject({ id: null, ok: false, error: { message: /Malformed/ } });

    reply = nextMessage(ws);
    ws.send(encodeMessage({ t: 'reply', id: 3, ok: true, value: 1 } as never));
    expect(await reply).toMatchObject({ id: 3, ok: false, error: { code: 'INVALID_ARGUMENT' } });

    expect(await call(ws, 4, 'deleteEverything')).toMatchObject({
      id: 4,
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call(ws, 5, 'openProject', [{ path: 7 }])).toMatchObject({ id: 5, ok: false });
    expect(await call(ws, 6, 'openProject', [{ path: '/definitely/not/here' }])).toMatchObject({
      id: 6,
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await call(ws, 7, 'getSettings')).toMatchObject({ id: 7, ok: true });
    ws.close();
  });

  it('answers a frame with any JSON value in any field with one reply, and keeps serving', async () => {
    const ws = (await connect(`${wsUrl}?token=${shell.token}`)) as WebSocket;
    const send = async (header: string): Promise<ServerMessage> => {
      const reply = nextMessage(ws);
      ws.send(rawFrame(header));
      return reply;
    };
    // The issue's frame: a method whose toString is not callable made String(method) throw.
    expect(await send('{"t":"call","id":1,"method":{"toString":1},"args":[]}')).toMatchObject({
      t: 'reply',
      id: 1,
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    for (const value of HOSTILE_JSON_VALUES) {
      expect(await send(value), `header ${value}`).toMatchObject({ t: 'reply', id: null, ok: false });
      for (const field of ['t', 'id', 'method', 'args', 'extra']) {
        const frame: Record<string, string> = { t: '"call"', id: '7', method: '"getSettings"', args: '[]' };
        frame[field] = value;
        const header = `{${Object.entries(frame)
          .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
          .join(',')}}`;
        const valid =
          (field === 'id' && Number.isSafeInteger(JSON.parse(value))) ||
          (field === 'method' && value === '"getSettings"') ||
          (field === 'args' && value === '[]');
        const reply = await send(header);
        expect(reply, header).toMatchObject({ t: 'reply', ok: valid });
        if (field !== 'id') expect((reply as { id: unknown }).id, header).toBe(7);
        if (!valid) expect(reply, header).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
      }
    }
    expect(await call(ws, 8, 'getSettings')).toMatchObject({ id: 8, ok: true });
    ws.close();
  });

  it('redirects after the token exchange only to a path of its own', async () => {
    for (const [path, location] of [
      ['/.//evil.example', '/evil.example'],
      ['/./\\\\evil.example', '/evil.example'],
      ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
      ['/review/', '/review/'],
      ['/', '/'],
    ] as const) {
      const r = await get(shell.port, `${path}?token=${shell.token}`);
      expect(r.status, path).toBe(302);
      expect(r.headers.location, path).toBe(location);
    }
  });

  it('closes a connection that sends an oversized message, and other clients keep working', async () => {
    const good = (await connect(`${wsUrl}?token=${shell.token}`)) as WebSocket;
    const bad = (await connect(`${wsUrl}?token=${shell.token}`)) as WebSocket;
    const closed = new Promise<number>((r) => bad.once('close', (code) => r(code)));
    bad.send(new Uint8Array(200 * 1024));
    expect(await closed).toBe(1009);
    expect(await call(good, 1, 'getAppInfo')).toMatchObject({ ok: true, value: { shell: 'web' } });
    good.close();
  });

  it('pushes events to connected clients', async () => {
    const ws = (await connect(`${wsUrl}?token=${shell.token}`)) as WebSocket;
    const seen: ServerMessage[] = [];
    ws.on('message', (d: Buffer) => seen.push(decodeMessage(new Uint8Array(d)) as ServerMessage));
    ws.send(encodeMessage({ t: 'call', id: 1, method: 'updateSettings', args: [{ overlayOpacity: 0.25 }] }));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.some((m) => m.t === 'event' && m.event.type === 'settings')).toBe(true);
    ws.close();
  });

  it('refuses to bind to a non-loopback address unless told to', async () => {
    await expect(startWebShell({ services, rendererDir, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});

/**
 * A browser's cookie jar for one host: cookies ignore ports, so a cookie set by one port is sent to every
 * port of that host, and a Set-Cookie with the same name replaces the stored one.
 */
class HostCookieJar {
  private readonly cookies = new Map<string, string>();

  store(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

describe('two web shells on one host', () => {
  const t = tempDir();
  const rendererDir = join(t.dir, 'renderer');
  let services: AppServices;

  beforeAll(() => {
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test renderer</title>');
    services = testServices(join(t.dir, 'user-data'));
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('keeps both logged in when one browser logs in to both (cookies ignore ports)', async () => {
    const first = await startWebShell({ services, rendererDir });
    const second = await startWebShell({ services, rendererDir });
    try {
      expect(first.port).not.toBe(second.port);
      const jar = new HostCookieJar();
      for (const shell of [first, second]) {
        const login = await get(shell.port, `/?token=${shell.token}`);
        expect(login.status).toBe(302);
        jar.store(login.headers['set-cookie']);
      }
      for (const shell of [first, second]) {
        expect((await get(shell.port, '/', { Cookie: jar.header() })).status, `port ${shell.port}`).toBe(200);
        const ws = await connect(`ws://127.0.0.1:${shell.port}/api`, {
          Cookie: jar.header(),
          Origin: `http://127.0.0.1:${shell.port}`,
        });
        expect(ws, `WebSocket on port ${shell.port}`).toBeInstanceOf(WebSocket);
        (ws as WebSocket).close();
      }
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('web shell Host and Origin allow-lists', () => {
  const t = tempDir();
  const rendererDir = join(t.dir, 'renderer');
  let services: AppServices;

  beforeAll(() => {
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test renderer</title>');
    services = testServices(join(t.dir, 'user-data'));
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('keeps checking Host and Origin when it listens on every address (--allow-remote)', async () => {
    const shell = await startWebShell({ services, rendererDir, host: '0.0.0.0', allowRemote: true });
    try {
      const ws = `ws://127.0.0.1:${shell.port}/api?token=${shell.token}`;
      // A name nobody started the server for: DNS rebinding works against 0.0.0.0 as well.
      expect((await get(shell.port, `/?token=${shell.token}`, { Host: 'evil.example' })).status).toBe(421);
      expect(await connect(ws, { Host: `evil.example:${shell.port}` })).toBe(421);
      // The machine's own names and addresses on our port are the names it was started for, and the
      // address it prints is one of them (a browser cannot use http://0.0.0.0/).
      expect((await get(shell.port, `/?token=${shell.token}`)).status).toBe(302);
      const printed = new URL(shell.loginUrl);
      expect(printed.hostname).toBe(hostname().toLowerCase());
      expect((await get(shell.port, `/?token=${shell.token}`, { Host: printed.host })).status).toBe(302);
      // Same host, another port: same-site (so it has the cookie), but not our origin.
      expect(await connect(ws, { Origin: `http://127.0.0.1:${shell.port + 1}` })).toBe(403);
      expect(await connect(ws, { Origin: 'https://evil.example' })).toBe(403);
      const own = await connect(ws, { Origin: `http://127.0.0.1:${shell.port}` });
      expect(own).toBeInstanceOf(WebSocket);
      (own as WebSocket).close();
    } finally {
      await shell.close();
    }
  });

  it('answers to a reverse proxy only when its name and origin are on the allow-lists', async () => {
    const shell = await startWebShell({
      services,
      rendererDir,
      allowedHosts: ['Apprentice.Example.org'],
      allowedOrigins: ['https://apprentice.example.org'],
    });
    try {
      const ws = `ws://127.0.0.1:${shell.port}/api?token=${shell.token}`;
      const proxied = { Host: 'apprentice.example.org' };
      expect((await get(shell.port, `/?token=${shell.token}`, proxied)).status).toBe(302);
      expect((await get(shell.port, `/?token=${shell.token}`, { Host: 'other.example.org' })).status).toBe(
        421,
      );
      const viaProxy = await connect(ws, { ...proxied, Origin: 'https://apprentice.example.org' });
      expect(viaProxy).toBeInstanceOf(WebSocket);
      (viaProxy as WebSocket).close();
      // The allowed origin over plain HTTP is another origin.
      expect(await connect(ws, { ...proxied, Origin: 'http://apprentice.example.org' })).toBe(403);
      expect(await connect(ws, { ...proxied, Origin: 'https://apprentice.example.org:8443' })).toBe(403);
    } finally {
      await shell.close();
    }
  });

  it.each([
    ['an origin that is not a URL', { allowedOrigins: ['apprentice.example.org'] }, /--allowed-origin/],
    ['an origin with a path', { allowedOrigins: ['https://apprentice.example.org/app'] }, /path/],
    ['an origin of another scheme', { allowedOrigins: ['ftp://apprentice.example.org'] }, /http/],
    ['a host with a scheme', { allowedHosts: ['https://apprentice.example.org'] }, /--allowed-host/],
    ['a host with a path', { allowedHosts: ['apprentice.example.org/x'] }, /--allowed-host/],
  ])('refuses to start with %s on an allow-list', async (_name, lists, message) => {
    await expect(startWebShell({ services, rendererDir, ...lists })).rejects.toThrow(message);
  });
});
