/**
 * npm run bench:engine [-- --rounds 2 --steps 5 --no-fallback --stock --torch-passive --json out.json]
 *
 * Two rows of Apprentice at two sizes, and PyTorch beside them on the same machine in the same command:
 *   reference  the U-Net of ../shared/bench/torch_unet.py (test/bench/reference/), Adam + BCE: the same
 *              network and step as PyTorch's, so the ratios compare engines, not models;
 *   product    what users train: the zoo's plain U-Net with the trainer's Dice + BCE loss and fused Adam
 *              (engine-worker.ts says how).
 * Rounds interleave them so that a busy machine slows all alike; each measurement is a fresh process, so
 * its peak RSS is its own. Without PyTorch (python3 -c 'import torch' fails) the PyTorch rows and the
 * ratios are left out and the output says so. Prints a table, writes the JSON (default
 * test-results/bench-engine.json), and prints as the LAST line one JSON object with "backend" and
 * "ratios" (Apprentice reference / PyTorch; below 1 = faster; null without PyTorch).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { torchSizeArgs, UNET_SIZES, type UNetSizeName } from './unet-sizes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const torchScript = path.resolve(repo, '..', 'shared', 'bench', 'torch_unet.py');
const python = '/usr/bin/python3';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    steps: { type: 'string', default: '5' },
    'no-fallback': { type: 'boolean', default: false },
    // The stock tfjs cpu backend, tiny only, one step: minutes per step, so only on request.
    stock: { type: 'boolean', default: false },
    // Also run PyTorch with OMP_WAIT_POLICY=PASSIVE (what Apprentice uses): on a busy machine PyTorch's
    // spinning OpenMP threads lose much more time than on a quiet one; this row shows how much.
    'torch-passive': { type: 'boolean', default: false },
    json: { type: 'string', default: path.join(repo, 'test-results', 'bench-engine.json') },
  },
});
const rounds = Math.max(1, Number(opt.rounds)),
  steps = Math.max(1, Number(opt.steps));

const SIZES = UNET_SIZES;
type SizeName = UNetSizeName;

interface Run {
  train_ms_median: number;
  infer_ms_median: number;
  peak_rss_mb: number;
  backend?: string;
  nativeLibrary?: string | null;
  params?: number;
  version?: string;
}

function lastJson(stdout: string, what: string): Run {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`${what} printed no JSON:\n${stdout}`);
  return JSON.parse(line) as Run;
}

function runTorch(size: SizeName, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(
    python,
    [
      path.join(here, 'torch-rss.py'),
      torchScript,
      ...torchSizeArgs(size),
      '--threads',
      '2',
      '--steps',
      String(steps),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, ...env } },
  );
  if (r.status !== 0) throw new Error(`PyTorch reference failed (${python} ${torchScript}):\n${r.stderr}`);
  return lastJson(r.stdout, 'torch_unet.py');
}

/** The installed PyTorch's version, or null when python3 cannot import torch. */
function torchVersion(): string | null {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

type BenchPath = 'reference' | 'product';

function runApprentice(
  size: SizeName,
  backend: string,
  env: NodeJS.ProcessEnv = {},
  n = steps,
  which: BenchPath = 'reference',
): Run {
  const job = JSON.stringify({
    path: which,
    backend,
    ...SIZES[size],
    filters: [...SIZES[size].filters],
    steps: n,
  });
  const r = spawnSync(process.execPath, [...process.execArgv, path.join(here, 'engine-worker.ts'), job], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`Apprentice worker failed:\n${r.stderr}`);
  return lastJson(r.stdout, 'engine-worker');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b),
    m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function combine(runs: Run[]): Run {
  return {
    ...runs[0]!,
    train_ms_median: Math.round(median(runs.map((r) => r.train_ms_median)) * 10) / 10,
    infer_ms_median: Math.round(median(runs.map((r) => r.infer_ms_median)) * 10) / 10,
    peak_rss_mb: Math.max(...runs.map((r) => r.peak_rss_mb)),
  };
}

const torch = torchVersion();
if (!torch)
  process.stderr.write(
    `[bench] PyTorch is not installed here (${python} -c 'import torch' failed): no PyTorch rows, no ratios\n`,
  );
const withTorch = torch !== null;
const results: Record<string, Record<SizeName, Run>> = {
  apprentice: {} as Record<SizeName, Run>,
  product: {} as Record<SizeName, Run>,
};
if (withTorch) results.pytorch = {} as Record<SizeName, Run>;
if (withTorch && opt['torch-passive']) results.pytorchPassive = {} as Record<SizeName, Run>;
for (const size of Object.keys(SIZES) as SizeName[]) {
  const ref: Run[] = [],
    ours: Run[] = [],
    product: Run[] = [],
    passive: Run[] = [];
  for (let i = 0; i < rounds; i++) {
    process.stderr.write(`[bench] ${size} round ${i + 1}/${rounds}: `);
    if (withTorch) {
      process.stderr.write('pytorch... ');
      ref.push(runTorch(size));
      if (opt['torch-passive']) passive.push(runTorch(size, { OMP_WAIT_POLICY: 'PASSIVE' }));
    }
    process.stderr.write('apprentice reference... ');
    ours.push(runApprentice(size, 'auto'));
    process.stderr.write('product... ');
    product.push(runApprentice(size, 'auto', {}, steps, 'product'));
    process.stderr.write('done\n');
  }
  if (withTorch) results.pytorch![size] = combine(ref);
  results.apprentice![size] = combine(ours);
  results.product![size] = combine(product);
  if (withTorch && opt['torch-passive']) results.pytorchPassive![size] = combine(passive);
}

// The JS fallback (what runs when the addon is not built), tiny only: it is slow by design.
let fallback: Run | null = null;
if (!opt['no-fallback']) {
  process.stderr.write('[bench] tiny: JS fallback (addon disabled)...\n');
  fallback = runApprentice('tiny', 'native', { APPRENTICE_DISABLE_ADDON: '1' }, 3);
}

let stock: Run | null = null;
if (opt.stock) {
  process.stderr.write('[bench] tiny: stock tfjs cpu backend (minutes)...\n');
  stock = runApprentice('tiny', 'cpu', {}, 1);
}

const a = results.apprentice!,
  prod = results.product!,
  p = results.pytorch,
  pp = results.pytorchPassive;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const ratios = p
  ? {
      train_tiny: r3(a.tiny.train_ms_median / p.tiny.train_ms_median),
      train_big: r3(a.big.train_ms_median / p.big.train_ms_median),
      infer_tiny: r3(a.tiny.infer_ms_median / p.tiny.infer_ms_median),
      infer_big: r3(a.big.infer_ms_median / p.big.infer_ms_median),
      rss_big: r3(a.big.peak_rss_mb / p.big.peak_rss_mb),
    }
  : null;
const targets = { train_tiny: 2, train_big: 1.5, infer_tiny: 1.5, infer_big: 1.5, rss_big: 2 };

const figures = (r: Record<SizeName, Run>) =>
  [
    r.tiny.train_ms_median,
    r.big.train_ms_median,
    r.tiny.infer_ms_median,
    r.big.infer_ms_median,
    r.big.peak_rss_mb,
  ].map(String);
const rows: string[][] = [
  ['', 'backend', 'train tiny ms', 'train big ms', 'infer tiny ms', 'infer big ms', 'peak RSS big MB'],
];
rows.push(['Apprentice, reference U-Net', a.tiny.backend ?? '?', ...figures(a)]);
rows.push(['Apprentice, product (zoo U-Net, Dice+BCE)', prod.tiny.backend ?? '?', ...figures(prod)]);
if (p && ratios) {
  rows.push([`PyTorch ${p.tiny.version ?? ''}`.trim(), 'cpu, 2 threads', ...figures(p)]);
  rows.push([
    'ratio (reference)',
    '',
    ...(['train_tiny', 'train_big', 'infer_tiny', 'infer_big', 'rss_big'] as const).map(
      (k) => `${ratios[k]} (≤${targets[k]})`,
    ),
  ]);
}
if (pp && p) {
  rows.push([
    'PyTorch, OMP passive',
    'cpu, 2 threads',
    ...[
      pp.tiny.train_ms_median,
      pp.big.train_ms_median,
      pp.tiny.infer_ms_median,
      pp.big.infer_ms_median,
      pp.big.peak_rss_mb,
    ].map(String),
  ]);
  rows.push([
    'ratio vs passive',
    '',
    ...[
      a.tiny.train_ms_median / pp.tiny.train_ms_median,
      a.big.train_ms_median / pp.big.train_ms_median,
      a.tiny.infer_ms_median / pp.tiny.infer_ms_median,
      a.big.infer_ms_median / pp.big.infer_ms_median,
      a.big.peak_rss_mb / pp.big.peak_rss_mb,
    ].map((v) => String(r3(v))),
  ]);
}
if (stock)
  rows.push([
    'stock tfjs',
    'cpu',
    String(stock.train_ms_median),
    '-',
    String(stock.infer_ms_median),
    '-',
    '-',
  ]);
if (fallback)
  rows.push([
    'JS fallback',
    fallback.backend ?? '?',
    String(fallback.train_ms_median),
    '-',
    String(fallback.infer_ms_median),
    '-',
    '-',
  ]);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
const load = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log(
  `U-Net benchmark, ${rounds} round(s) x ${steps} steps, medians; native library: ${a.tiny.nativeLibrary ?? 'none'}; load average ${load}${p ? '' : '; PyTorch not installed: no reference figures, no ratios'}`,
);
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));

const summary = {
  backend: a.tiny.backend,
  nativeLibrary: a.tiny.nativeLibrary ?? null,
  rounds,
  steps,
  ratios,
  targets,
  met: ratios
    ? Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v <= targets[k as keyof typeof targets]]))
    : null,
  apprentice: a,
  product: prod,
  pytorch: p ?? null,
  ...(pp ? { pytorchPassive: pp } : {}),
  fallback,
  stock,
  load: os.loadavg(),
};
mkdirSync(path.dirname(opt.json), { recursive: true });
writeFileSync(opt.json, JSON.stringify(summary, null, 2));
console.log(`JSON written to ${path.relative(repo, opt.json)}`);
console.log(JSON.stringify(summary));
