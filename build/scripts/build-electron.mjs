// Builds the main process for the desktop app: tsc emits electron/ + shared/ to dist/ (ES modules, one
// file per source file, so native-module lookups relative to import.meta.url keep working), and esbuild
// bundles the sandboxed preload to a single CommonJS file (sandboxed preloads cannot load ES modules).
import { execFileSync } from 'node:child_process';
import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist');
rmSync(join(out, 'electron'), { recursive: true, force: true });
rmSync(join(out, 'shared'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });

try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')],
    {
      stdio: 'inherit',
    },
  );
} catch {
  console.error('build:electron: TypeScript reported the errors above; nothing was built.');
  process.exit(1);
}

await build({
  entryPoints: [join(root, 'electron', 'preload.ts')],
  outfile: join(out, 'electron', 'preload.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'chrome156',
  external: ['electron'],
  logLevel: 'warning',
});

// dist/ is ESM like the sources; say so explicitly so a packaged app does not depend on the root's "type".
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }, null, 2));
console.log('built dist/electron (main process) and dist/electron/preload.cjs');
