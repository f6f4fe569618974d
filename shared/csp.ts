/**
 * The renderer's Content-Security-Policy, one definition for both shells: only our own scripts, no eval,
 * no remote content. `connect-src` differs: the web shell needs its WebSocket.
 */
export function contentSecurityPolicy(opts: { connectSrc: string }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Vue's runtime sets element styles; no inline <style> injection beyond that.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${opts.connectSrc}`,
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
