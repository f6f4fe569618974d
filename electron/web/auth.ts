/** The web shell's per-run token: required on every HTTP request and WebSocket connection. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { AppError, ErrorCode } from '../../shared/errors.js';

/**
 * The token cookie's name for the server listening on `port`. Cookies ignore ports, so two web shells on
 * one host that shared a name would overwrite each other's cookie: logging in to one would log the
 * other's browser tab out.
 */
export function tokenCookieName(port: number): string {
  return `apprentice_token_${port}`;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response timings. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `?token=` in the URL (first visit, scripts) or the cookie named `cookieName`. */
export function requestToken(
  req: IncomingMessage,
  cookieName: string,
): { fromQuery: string | null; fromCookie: string | null } {
  const url = new URL(req.url ?? '/', 'http://x');
  const cookie = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === cookieName);
  return { fromQuery: url.searchParams.get('token'), fromCookie: cookie?.[1] ?? null };
}

/** The names that mean this machine's loopback interface. */
export const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '::1'];
/** Addresses that bind every interface: the server answers to the machine's own names. */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::']);

/** True for an address that binds every interface (0.0.0.0, ::), which no browser can be sent to. */
export function isWildcardAddress(host: string): boolean {
  return WILDCARD_ADDRESSES.has(host.toLowerCase().replace(/^\[|\]$/g, ''));
}

/** A host name (or IP literal, brackets stripped, lower case) and, when given, a port. */
interface HostName {
  name: string;
  port: number | null;
}

/**
 * Who may talk to the server. Host: defends against DNS rebinding (a page on evil.example resolving to
 * our address sends `Host: evil.example`), so we answer only to the names the server was started for.
 * Origin: defends against cross-site WebSocket hijacking (a page on the same host but another port is
 * same-site, so the browser sends it our cookie), so a browser page must come from our own origin or
 * from one the operator listed. Non-browser clients send no Origin and need the token alone.
 */
export interface RequestGate {
  hostAllowed(hostHeader: string | undefined): boolean;
  originAllowed(originHeader: string | undefined): boolean;
}

export interface RequestGateOptions {
  /** The address the server listens on, as given (127.0.0.1, 0.0.0.0, a name). */
  boundHost: string;
  port: number;
  /** Extra names for the Host header, `name` (any port) or `name:port`: a reverse proxy's name. */
  allowedHosts?: readonly string[];
  /** Extra origins whose pages may open the WebSocket, `https://name[:port]`: a TLS reverse proxy. */
  allowedOrigins?: readonly string[];
  /** The machine's own names when bound to every interface (tests pass their own). */
  machineNames?: () => string[];
}

export function requestGate(opts: RequestGateOptions): RequestGate {
  const own = ownNames(opts.boundHost, opts.machineNames ?? machineNames);
  const extraHosts = (opts.allowedHosts ?? []).map(parseAllowedHost);
  const origins = new Set([
    ...own.map((name) => new URL(`http://${bracketed(name)}:${opts.port}`).origin),
    ...(opts.allowedOrigins ?? []).map(parseAllowedOrigin),
  ]);
  return {
    hostAllowed(header) {
      const h = header === undefined ? null : parseHostName(header);
      if (!h) return false;
      if (own.includes(h.name) && (h.port ?? 80) === opts.port) return true;
      return extraHosts.some((a) => a.name === h.name && (a.port === null || a.port === (h.port ?? 80)));
    },
    originAllowed(header) {
      if (header === undefined) return true;
      try {
        return origins.has(new URL(header).origin);
      } catch {
        return false; // "null" (a sandboxed or file:// page) and anything unparsable
      }
    },
  };
}

/** Checks an `--allowed-origin` value and returns it as browsers send it (scheme://host[:port]). */
export function parseAllowedOrigin(value: string): string {
  const problem = (what: string) =>
    new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `--allowed-origin ${JSON.stringify(value)}: ${what} (write it as https://name or https://name:port)`,
    );
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw problem('not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw problem('the scheme must be http or https');
  if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) {
    throw problem('an origin has no path, query or user name');
  }
  return u.origin;
}

/** Checks an `--allowed-host` value: a name or IP literal, optionally with a port. */
export function parseAllowedHost(value: string): HostName {
  const h = /^([a-z0-9_.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(value) ? parseHostName(value) : null;
  if (!h) {
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `--allowed-host ${JSON.stringify(value)}: expected a host name, optionally with :port (no scheme, no path)`,
    );
  }
  return h;
}

/** Parses a Host header; null when it is anything but host[:port]. */
function parseHostName(header: string): HostName | null {
  let u: URL;
  try {
    u = new URL(`http://${header}`);
  } catch {
    return null;
  }
  if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) return null;
  // URL drops the scheme's default port: "name:80" and "name" both mean port 80 here.
  return { name: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? null : Number(u.port) };
}

function ownNames(boundHost: string, machine: () => string[]): string[] {
  const bound = boundHost.toLowerCase().replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.includes(bound)) return [...LOOPBACK_NAMES];
  if (isWildcardAddress(bound)) return [...LOOPBACK_NAMES, ...machine().map((n) => n.toLowerCase())];
  return [bound];
}

/** The machine's host name and the addresses of its interfaces. */
function machineNames(): string[] {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
  return [hostname(), ...addresses];
}

function bracketed(name: string): string {
  return name.includes(':') ? `[${name}]` : name;
}

/**
 * Where to send a browser after the token exchange: a path of this server only. A path that starts
 * with several slashes (`/.//evil.example` becomes `//evil.example`) would be read as another host.
 */
export function localRedirectPath(pathname: string): string {
  const path = `/${pathname.replace(/^[/\\]+/, '')}`;
  return /^\/[\x21-\x7e]*$/.test(path) && !path.includes('\\') ? path : '/';
}
