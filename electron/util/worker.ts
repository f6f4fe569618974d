/**
 * Starts a worker thread on a module beside the caller: plain JavaScript in the built app, TypeScript
 * through tsx from sources (tsx, vitest). On Node 20 `--import tsx` in a worker's execArgv does not apply
 * to the worker's own entry file, so the worker registers tsx itself before importing its entry; tsx's
 * API is loaded from its ESM build (the CommonJS build cannot be imported from an eval'd worker), found
 * through its package.json so that this works under every loader, vitest's included.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** file: URL of tsx's ESM API (the `import` build of its "./esm/api" export). */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

/**
 * `new Worker` on `<entry>.js` (built) or `<entry>.ts` (sources), resolved against `callerUrl` (the
 * caller's import.meta.url: a caller that runs as .ts means its sibling entry is .ts too).
 * `entry` is a relative module path without extension, e.g. './train-worker'.
 */
export function startModuleWorker(entry: string, callerUrl: string, options: WorkerOptions = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`${entry}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(url, options);
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((t) => { t.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
