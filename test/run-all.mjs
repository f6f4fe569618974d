#!/usr/bin/env node
// The whole test suite, as CI runs it: build, type-check, lint, unit + integration tests, end-to-end
// tests in Chromium, the Slurm job scripts under a real scheduler. Ends with one plain line "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const npx = (args) => ['npx', ['--no-install', ...args]];

const steps = [
  ['build', ['npm', ['run', 'build']]],
  ['typecheck', ['npm', ['run', 'typecheck']]],
  ['lint', ['npm', ['run', 'lint']]],
  [
    'unit + integration',
    npx([
      'vitest',
      'run',
      '--project',
      'unit',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(results, 'unit.json')}`,
    ]),
  ],
  [
    'end-to-end',
    npx([
      'vitest',
      'run',
      '--project',
      'e2e',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(results, 'e2e.json')}`,
    ]),
  ],
];

// The Slurm job scripts under a real scheduler (test/cluster): daemons of the suite's own, which need root,
// slurm-wlm and munge (setup.sh and .ci/run install them). Elsewhere the step is skipped and says why;
// APPRENTICE_REQUIRE_SLURM=1 (set by .ci/run) makes a missing scheduler a failure instead.
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const clusterMissing = [
  ...(process.getuid?.() === 0 ? [] : ['root']),
  ...['slurmctld', 'slurmd', 'munged', 'sbatch'].filter((c) => !onPath(c)),
];
if (clusterMissing.length === 0)
  steps.push([
    'cluster (Slurm)',
    npx([
      'vitest',
      'run',
      '--config',
      'test/cluster/vitest.config.ts',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(results, 'cluster.json')}`,
    ]),
  ]);
else if (process.env.APPRENTICE_REQUIRE_SLURM === '1')
  steps.push([
    'cluster (Slurm)',
    [process.execPath, ['-e', `console.error('missing: ${clusterMissing.join(', ')}'); process.exit(1)`]],
  ]);

// The GPU correctness suite (test/gpu): WebGPU against the native CPU backend, on whatever adapter Dawn
// finds; without a GPU that is Mesa's lavapipe (build/scripts/install-lavapipe.sh, which setup.sh and
// .ci/run run). Without any adapter the step is skipped and says why; APPRENTICE_REQUIRE_WEBGPU=1 (set by
// .ci/run) makes that a failure instead.
const adapter = spawnSync(process.execPath, [join(root, 'test/gpu/probe-adapter.mjs')], {
  cwd: root,
  encoding: 'utf8',
});
const adapterLine = adapter.stdout.trim().split('\n').pop() ?? '';
if (adapter.status === 0)
  steps.push([
    `GPU (WebGPU on ${adapterLine})`,
    npx([
      'vitest',
      'run',
      '--config',
      'test/gpu/vitest.config.ts',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(results, 'gpu.json')}`,
    ]),
  ]);
else if (process.env.APPRENTICE_REQUIRE_WEBGPU === '1')
  steps.push([
    'GPU (WebGPU)',
    [process.execPath, ['-e', `console.error(${JSON.stringify(adapterLine)}); process.exit(1)`]],
  ]);
else console.log(`GPU suite skipped: ${adapterLine}`);

// better-sqlite3 is a V8 addon: after `npm start` it is built for Electron's ABI, and Node cannot load it.
// Build it back for Node first (tests run in Node), so the two commands can be used in any order.
const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:')"], {
  cwd: root,
});
if (probe.status !== 0) {
  console.log('better-sqlite3 is built for another runtime (Electron?): rebuilding it for Node');
  spawnSync('npm', ['rebuild', 'better-sqlite3'], { cwd: root, stdio: 'inherit' });
}

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
for (const f of ['unit.json', 'e2e.json', 'cluster.json', 'gpu.json']) {
  const p = join(results, f);
  if (!existsSync(p)) continue;
  const j = JSON.parse(readFileSync(p, 'utf8'));
  passed += j.numPassedTests ?? 0;
  failed += j.numFailedTests ?? 0;
  skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
}
if (clusterMissing.length)
  console.log(
    `\nThe Slurm tests did not run (missing: ${clusterMissing.join(', ')}); build/scripts/setup.sh installs slurm-wlm and munge, and they run as root`,
  );
if (failedStep) console.log(`\nFirst failing step: ${failedStep}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedStep || failed > 0 || passed === 0 ? 1 : 0);
