import { createServer } from 'node:net';

/**
 * A loopback port free right now: for starting the web shell on the same port twice (the page's origin,
 * and so its localStorage, survives the restart).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
