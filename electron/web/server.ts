/**
 * The web shell: serves the built renderer over HTTP and implements window.api over a WebSocket with the
 * same services as the desktop app. Loopback only unless told otherwise; a random per-run token guards
 * every request (first visit `/?token=...` sets an HttpOnly SameSite=Strict cookie, as Jupyter does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { AppServices } from '../services/app-services.js';
import { hostAllowed, newToken, requestToken, TOKEN_COOKIE, tokenMatches } from './auth.js';
import { rendererIndex, resolveStatic, securityHeaders, sendFile } from './static-files.js';
import { serveConnection } from './ws-bridge.js';

export const WS_PATH = '/api';
/** Bound on one WebSocket message; larger frames close that connection with 1009 (message too big). */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

export interface WebShellOptions {
  services: AppServices;
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
  host?: string;
  port?: number;
  token?: string;
  maxPayloadBytes?: number;
  /** Required to bind to anything but loopback: a team server behind its own network protection. */
  allowRemote?: boolean;
}

export interface WebShell {
  url: string;
  /** The URL with the token, to open in a browser. */
  loginUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startWebShell(opts: WebShellOptions): Promise<WebShell> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !opts.allowRemote) {
    throw new AppError(
      ErrorCode.PERMISSION_DENIED,
      `Refusing to listen on ${host}: the web shell binds to loopback unless --allow-remote is given`,
    );
  }
  const token = opts.token ?? newToken();
  const log = opts.services.log;
  let port = 0;

  const authorised = (req: IncomingMessage) => {
    const t = requestToken(req);
    return tokenMatches(token, t.fromQuery) || tokenMatches(token, t.fromCookie);
  };
  const hostOk = (req: IncomingMessage) => opts.allowRemote === true || hostAllowed(req, port);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = securityHeaders("'self'");
    if (!hostOk(req)) return plain(res, 421, 'Misdirected request', headers);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed', headers);
    const url = new URL(req.url ?? '/', 'http://x');
    const t = requestToken(req);
    if (tokenMatches(token, t.fromQuery)) {
      // First visit with the token: remember it in a cookie and drop it from the address bar.
      res.writeHead(302, {
        ...headers,
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
      });
      return res.end();
    }
    if (!authorised(req)) {
      return plain(
        res,
        401,
        'Apprentice web shell: open the address with the token that the server printed.',
        headers,
      );
    }
    const file =
      resolveStatic(opts.rendererDir, url.pathname) ??
      (url.pathname.includes('.') ? null : rendererIndex(opts.rendererDir));
    if (!file) return plain(res, 404, 'Not found', headers);
    sendFile(res, file, headers);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      log.warn(`Web shell refused a WebSocket connection: ${text}`);
    };
    if (new URL(req.url ?? '/', 'http://x').pathname !== WS_PATH) return refuse(404, 'Not Found');
    if (!hostOk(req)) return refuse(421, 'Misdirected Request');
    // A browser page from another origin must not drive the API even if it somehow has the token.
    if (!opts.allowRemote && !originAllowed(req.headers.origin, port)) return refuse(403, 'Forbidden');
    if (!authorised(req)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(ws, opts.services));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;
  log.info(`Web shell listening on ${url}`);

  return {
    url,
    loginUrl: `${url}?token=${token}`,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Non-browser clients send no Origin; a browser's must be this server's own loopback origin. */
function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return (
      u.protocol === 'http:' && LOOPBACK.has(u.hostname.replace(/^\[|\]$/g, '')) && Number(u.port) === port
    );
  } catch {
    return false;
  }
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
