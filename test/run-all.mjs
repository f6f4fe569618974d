#!/usr/bin/env node
// The whole test suite, as CI runs it: build, type-check, lint, unit + integration tests, end-to-end
// tests in Chromium, the Slurm job scripts under a real scheduler, the GPU correctness suite. Ends with one plain line "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const npx = (args) => ['npx', ['--no-install', ...args]];

/** The vitest reports of the suites run now, summed at the end (a report left by an earlier run is not). */
const reports = [];
/** A vitest run that prints as usual and writes its JSON report to test-results/<json>. */
function vitest(args, json) {
  reports.push(json);
  return npx([
    'vitest',
    'run',
    ...args,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${join(results, json)}`,
  ]);
}

const steps = [
  ['build', ['npm', ['run', 'build']]],
  ['typecheck', ['npm', ['run', 'typecheck']]],
  ['lint', ['npm', ['run', 'lint']]],
  ['unit + integration', vitest(['--project', 'unit'], 'unit.json')],
  ['end-to-end', vitest(['--project', 'e2e'], 'e2e.json')],
];

/** Suites that need something of the machine and did not run, with why: said again at the end. */
const notRun = [];
/**
 * A suite that needs something of the machine (`missing`: what is not there, '' when all is): it runs
 * where it can; elsewhere it is skipped and says why, unless `requireVar` is set to 1 (as .ci/run does),
 * which makes the absence a failing step instead.
 */
function machineSuite(name, config, json, missing, requireVar) {
  if (!missing) steps.push([name, vitest(['--config', config], json)]);
  else if (process.env[requireVar] === '1')
    steps.push([
      name,
      [process.execPath, ['-e', `console.error(${JSON.stringify(missing)}); process.exit(1)`]],
    ]);
  else notRun.push(missing);
}

// The Slurm job scripts under a real scheduler (test/cluster): daemons of the suite's own, which need root,
// slurm-wlm and munge (setup.sh and .ci/run install them); APPRENTICE_REQUIRE_SLURM=1 (set by .ci/run).
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const clusterMissing = [
  ...(process.getuid?.() === 0 ? [] : ['root']),
  ...['slurmctld', 'slurmd', 'munged', 'sbatch'].filter((c) => !onPath(c)),
];
machineSuite(
  'cluster (Slurm)',
  'test/cluster/vitest.config.ts',
  'cluster.json',
  clusterMissing.length
    ? `The Slurm tests did not run (missing: ${clusterMissing.join(', ')}); build/scripts/setup.sh installs slurm-wlm and munge, and they run as root`
    : '',
  'APPRENTICE_REQUIRE_SLURM',
);

// The GPU correctness suite (test/gpu): WebGPU against the native CPU backend, on whatever adapter Dawn
// finds; without a GPU that is Mesa's lavapipe (build/scripts/install-lavapipe.sh, which setup.sh and
// .ci/run run); APPRENTICE_REQUIRE_WEBGPU=1 (set by .ci/run).
const adapter = spawnSync(process.execPath, [join(root, 'test/gpu/probe-adapter.mjs')], {
  cwd: root,
  encoding: 'utf8',
});
const adapterLine = adapter.stdout.trim().split('\n').pop() ?? '';
machineSuite(
  adapter.status === 0 ? `GPU (WebGPU on ${adapterLine})` : 'GPU (WebGPU)',
  'test/gpu/vitest.config.ts',
  'gpu.json',
  adapter.status === 0 ? '' : `The GPU suite did not run: ${adapterLine}`,
  'APPRENTICE_REQUIRE_WEBGPU',
);

// better-sqlite3 is a V8 addon: after `npm start` it is built for Electron's ABI, and Node cannot load it.
// Build it back for Node first (tests run in Node), so the two commands can be used in any order.
const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:')"], {
  cwd: root,
});
if (probe.status !== 0) {
  console.log('better-sqlite3 is built for another runtime (Electron?): rebuilding it for Node');
  spawnSync('npm', ['rebuild', 'better-sqlite3'], { cwd: root, stdio: 'inherit' });
}

// A report left by an earlier run must not be summed as this one's (a step that stops early writes none).
for (const f of reports) rmSync(join(results, f), { force: true });

let failedStep = null;
for (const [name, [cmd, args]] of steps) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  console.log(
    `=== ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (r.status !== 0) {
    failedStep = name;
    // Keep going through the test steps so one run shows every failure; a broken build stops here.
    if (name === 'build') break;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of reports) {
  const p = join(results, f);
  if (!existsSync(p)) continue;
  const j = JSON.parse(readFileSync(p, 'utf8'));
  passed += j.numPassedTests ?? 0;
  failed += j.numFailedTests ?? 0;
  skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
}
for (const why of notRun) console.log(`\n${why}`);
if (failedStep) console.log(`\nFirst failing step: ${failedStep}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedStep || failed > 0 || passed === 0 ? 1 : 0);
