#!/usr/bin/env node
// Builds the native kernel addon with node-gyp; run by the root package's `install` script, so on
// `npm ci` / `npm install`. It needs oneDNN's headers (Debian/Ubuntu: apt-get install libdnnl-dev) and a
// C++ toolchain. If the build fails, it prints one notice and exits 0: Apprentice then runs on its
// JavaScript kernels (slow training) and says so in the About panel, `apprentice info` and the log.
// APPRENTICE_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function notice(why) {
  console.warn(
    `\n[apprentice] Native kernels not built (${why}).\n` +
      '[apprentice] Apprentice will run, but training uses the slow JavaScript fallback.\n' +
      '[apprentice] To build them: install oneDNN (Debian/Ubuntu: sudo apt-get install libdnnl-dev) and a C++\n' +
      '[apprentice] compiler, then run `npm rebuild` (or `node electron/engine/native/build.mjs`).\n',
  );
  process.exit(0);
}

if (process.env.APPRENTICE_SKIP_NATIVE === '1') notice('APPRENTICE_SKIP_NATIVE=1');
if (process.platform === 'win32') notice('building on Windows is not set up yet');

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  notice('node-gyp is not installed');
}

// Use the headers of the running Node when its install ships them (Debian's nodejs does), so the
// build works offline; otherwise node-gyp downloads them. N-API keeps the binary Electron-compatible.
const prefix = path.dirname(path.dirname(process.execPath));
const args = [nodeGyp, 'rebuild', '--release'];
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const r = spawnSync(process.execPath, args, {
  cwd: here,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
if (r.status !== 0) {
  const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const missing = /dnnl\.hpp.*No such file|cannot find -ldnnl/.test(log)
    ? 'oneDNN (libdnnl-dev) is not installed'
    : `node-gyp exited with ${r.status ?? r.signal}`;
  const tail = log
    .trim()
    .split('\n')
    .filter((l) => /error/i.test(l))
    .slice(-3)
    .join('\n');
  if (tail) console.warn(tail);
  notice(missing);
}

// Load it once: a build that links but cannot load (wrong library version) is as good as none.
try {
  const addon = require(path.join(here, 'build', 'Release', 'apprentice_kernels.node'));
  console.log(`[apprentice] Native kernels built (${addon.info().library}, N-API).`);
} catch (err) {
  notice(`the built addon does not load: ${String(err.message).split('\n')[0]}`);
}
