/**
 * The web shell: serves the built renderer over HTTP and implements window.api over a WebSocket with the
 * same services as the desktop app. Loopback only unless told otherwise; a random per-run token guards
 * every request (first visit `/?token=...` sets an HttpOnly SameSite=Strict cookie, as Jupyter does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { AppServices } from '../services/app-services.js';
import {
  isWildcardAddress,
  localRedirectPath,
  LOOPBACK_NAMES,
  newToken,
  parseAllowedHost,
  parseAllowedOrigin,
  requestGate,
  requestToken,
  tokenCookieName,
  type RequestGate,
  tokenMatches,
} from './auth.js';
import { rendererIndex, resolveStatic, securityHeaders, sendFile } from './static-files.js';
import { DEFAULT_OUTPUT_LIMITS, serveConnection, type OutputLimits } from './ws-bridge.js';

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
  /**
   * Host names to answer to besides the address bound (and, on 0.0.0.0, the machine's own names):
   * `name` (any port) or `name:port`, e.g. the name of a reverse proxy that forwards its Host header.
   */
  allowedHosts?: readonly string[];
  /** Origins whose pages may open the WebSocket besides the server's own: `https://proxy.example`. */
  allowedOrigins?: readonly string[];
  /** Bounds on the replies queued for a client that does not read them. */
  outputLimits?: OutputLimits;
}

export interface WebShell {
  url: string;
  /** The URL with the token, to open in a browser. */
  loginUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebShell(opts: WebShellOptions): Promise<WebShell> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK_NAMES.includes(host) && !opts.allowRemote) {
    throw new AppError(
      ErrorCode.PERMISSION_DENIED,
      `Refusing to listen on ${host}: the web shell binds to loopback unless --allow-remote is given`,
    );
  }
  // Check the allow-lists before listening: a typo must stop the start, not fail every request later.
  opts.allowedHosts?.forEach(parseAllowedHost);
  opts.allowedOrigins?.forEach(parseAllowedOrigin);
  const token = opts.token ?? newToken();
  const log = opts.services.log;
  // Set once the port is known (the Host and Origin checks name it); until then nothing is answered.
  let gate: RequestGate | null = null;
  // Also set once the port is known: the cookie is named per port (see tokenCookieName).
  let cookieName = '';

  const authorised = (req: IncomingMessage) => {
    const t = requestToken(req, cookieName);
    return tokenMatches(token, t.fromQuery) || tokenMatches(token, t.fromCookie);
  };
  const hostOk = (req: IncomingMessage) => gate?.hostAllowed(req.headers.host) === true;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = securityHeaders("'self'");
    if (!hostOk(req)) return plain(res, 421, 'Misdirected request', headers);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed', headers);
    const url = new URL(req.url ?? '/', 'http://x');
    const t = requestToken(req, cookieName);
    if (tokenMatches(token, t.fromQuery)) {
      // First visit with the token: remember it in a cookie and drop it from the address bar. Behind a
      // TLS proxy the cookie is Secure, so the browser never sends it over plain HTTP to this host. (A
      // client that claims https when it is not only keeps the cookie from itself.)
      const secure = forwardedProto(req) === 'https' ? '; Secure' : '';
      res.writeHead(302, {
        ...headers,
        'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/${secure}`,
        Location: localRedirectPath(url.pathname),
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
    // A browser page from another origin must not drive the API even though the browser sends it our
    // cookie (same host, another port is the same site).
    if (!gate?.originAllowed(req.headers.origin)) return refuse(403, 'Forbidden');
    if (!authorised(req)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) =>
      serveConnection(ws, opts.services, opts.outputLimits ?? DEFAULT_OUTPUT_LIMITS),
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  cookieName = tokenCookieName(port);
  gate = requestGate({
    boundHost: host,
    port,
    ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts } : {}),
    ...(opts.allowedOrigins ? { allowedOrigins: opts.allowedOrigins } : {}),
  });
  // Bound to every interface, print the machine's name: one of the names it answers to.
  const reachable = isWildcardAddress(host) ? hostname().toLowerCase() : host;
  const shownHost = reachable.includes(':') ? `[${reachable}]` : reachable;
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

/** The scheme the first proxy in front of us was reached by, as it says (X-Forwarded-Proto). */
function forwardedProto(req: IncomingMessage): string | null {
  const header = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
  return first || null;
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
