/**
 * npm run bench:gpu [-- --sizes tiny,big --paths reference,product --rounds 1 --steps 5 --json out.json]
 *
 * The engine benchmark's two U-Nets (tiny: 8-16-32 at 128^2, batch 8; big: 32-64-128-256 at 256^2, batch
 * 4), each through the two paths of `npm run bench:engine` (reference: the PyTorch script's network and
 * step; product: the zoo U-Net stepped by the trainer's own step), on the WebGPU backend, next to the
 * native CPU backend of the same machine and, where the machine has a CUDA PyTorch, PyTorch on the same
 * GPU (test/bench/gpu/torch_unet_device.py, same network and protocol). Then the ONNX teachers' inference
 * on onnxruntime's WebGPU provider next to its CPU provider (test/bench/gpu/teacher-inference.ts).
 * Each measurement is a fresh process (engine-worker.ts). Prints a table, writes JSON (default
 * test-results/bench-gpu.json) and, as the last line, one JSON object with the ratios the issue's targets
 * name: big train step WebGPU / PyTorch CUDA (target <= 2), native CPU / WebGPU (target >= 20).
 * On a software adapter (Mesa's lavapipe) it runs, and its speed means nothing: the output says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { torchSizeArgs, UNET_SIZES, type UNetSizeName } from './unet-sizes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'tiny,big' },
    paths: { type: 'string', default: 'reference,product' },
    rounds: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
    teachers: { type: 'boolean', default: true },
    'no-teachers': { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.PYTHON ?? 'python3' },
    json: { type: 'string', default: path.join(repo, 'test-results', 'bench-gpu.json') },
  },
});
const SIZES = UNET_SIZES;
type SizeName = UNetSizeName;
const sizes = opt.sizes.split(',').filter((s): s is SizeName => s in SIZES);
const paths = opt.paths.split(',').filter((p) => p === 'reference' || p === 'product');
const rounds = Math.max(1, Number(opt.rounds));
const steps = Math.max(1, Number(opt.steps));
const log = (s: string) => process.stderr.write(`[bench:gpu] ${s}\n`);

interface Row {
  engine: string;
  size: SizeName;
  path: string;
  train_ms_median: number;
  infer_ms_median: number;
  backend?: string;
  gpu?: string;
  gpu_allocated_mb?: number;
  peak_rss_mb?: number;
  error?: string;
}

function lastJson(stdout: string): Record<string, unknown> | null {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : null;
}

function apprentice(backend: 'webgpu' | 'native', size: SizeName, p: string): Row {
  const job = { path: p, backend, ...SIZES[size], steps };
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'engine-worker.ts'), JSON.stringify(job)],
    { cwd: repo, encoding: 'utf8', timeout: 3_600_000 },
  );
  const out = r.status === 0 ? lastJson(r.stdout) : null;
  if (!out)
    return {
      engine: backend,
      size,
      path: p,
      train_ms_median: NaN,
      infer_ms_median: NaN,
      error: r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`,
    };
  const row = { ...(out as object), engine: backend, size, path: p } as Row; // size: the name, not the pixels
  // Asked for WebGPU but the engine fell back: that row measured the CPU, so it is not a GPU row.
  if (backend === 'webgpu' && row.backend !== 'webgpu')
    row.error = `WebGPU not available (ran on ${row.backend})`;
  return row;
}

function torchCuda(size: SizeName): Row | null {
  const r = spawnSync(
    opt.python,
    [
      path.join(here, 'gpu', 'torch_unet_device.py'),
      '--device',
      'cuda',
      ...torchSizeArgs(size),
      '--steps',
      String(steps),
    ],
    { cwd: repo, encoding: 'utf8', timeout: 1_800_000 },
  );
  const out = r.status === 0 ? lastJson(r.stdout) : null;
  return out ? ({ ...(out as object), engine: 'pytorch-cuda', size, path: 'reference' } as Row) : null;
}

const hasCudaTorch =
  spawnSync(opt.python, ['-c', 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)'])
    .status === 0;
const probe = spawnSync(process.execPath, [path.join(repo, 'test/gpu/probe-adapter.mjs')], {
  encoding: 'utf8',
});
const adapter = probe.stdout.trim();
log(`adapter: ${adapter}`);
log(hasCudaTorch ? 'PyTorch with CUDA: yes' : 'PyTorch with CUDA: no (the PyTorch GPU rows are left out)');
const software = /software|llvmpipe|lavapipe|swiftshader/i.test(adapter);

const rows: Row[] = [];
for (let round = 0; round < rounds; round++)
  for (const size of sizes) {
    for (const p of paths)
      for (const backend of ['webgpu', 'native'] as const) {
        log(`round ${round + 1}: ${backend} ${p} ${size}`);
        rows.push(apprentice(backend, size, p));
      }
    if (hasCudaTorch) {
      log(`round ${round + 1}: pytorch cuda ${size}`);
      const t = torchCuda(size);
      if (t) rows.push(t);
    }
  }

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)]! : NaN;
};
const pick = (engine: string, size: SizeName, p: string, key: 'train_ms_median' | 'infer_ms_median') =>
  median(
    rows.filter((r) => r.engine === engine && r.size === size && r.path === p && !r.error).map((r) => r[key]),
  );

console.log(`\nadapter: ${adapter}${software ? '  (a software rasteriser: these speeds mean nothing)' : ''}`);
console.log('size  path       engine         train ms   infer ms   GPU MiB');
for (const size of sizes)
  for (const p of [...paths, ...(hasCudaTorch ? ['reference'] : [])].filter((v, i, a) => a.indexOf(v) === i))
    for (const engine of ['webgpu', 'native', 'pytorch-cuda']) {
      const r = rows.find((x) => x.engine === engine && x.size === size && x.path === p);
      if (!r) continue;
      if (r.error) {
        console.log(`${size.padEnd(5)} ${p.padEnd(10)} ${engine.padEnd(14)} ${r.error}`);
        continue;
      }
      console.log(
        `${size.padEnd(5)} ${p.padEnd(10)} ${engine.padEnd(14)} ${pick(engine, size, p, 'train_ms_median').toFixed(1).padStart(8)}   ${pick(engine, size, p, 'infer_ms_median').toFixed(1).padStart(8)}   ${r.gpu_allocated_mb ?? '-'}`,
      );
    }

let teachers: unknown = null;
const teacherScript = path.join(here, 'gpu', 'teacher-inference.ts');
if (opt.teachers && !opt['no-teachers'] && existsSync(teacherScript)) {
  log('teachers: onnxruntime WebGPU vs CPU');
  const r = spawnSync(process.execPath, ['--import', 'tsx', teacherScript], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 1_800_000,
  });
  teachers = r.status === 0 ? lastJson(r.stdout) : { error: r.stderr.trim().split('\n').pop() };
  console.log(`teachers: ${JSON.stringify(teachers)}`);
}

const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 100) / 100 : null;
const summary = {
  adapter,
  software,
  ratios: {
    big_train_webgpu_over_torch_cuda: ratio(
      pick('webgpu', 'big', 'reference', 'train_ms_median'),
      pick('pytorch-cuda', 'big', 'reference', 'train_ms_median'),
    ),
    big_train_native_over_webgpu: ratio(
      pick('native', 'big', 'reference', 'train_ms_median'),
      pick('webgpu', 'big', 'reference', 'train_ms_median'),
    ),
    big_product_native_over_webgpu: ratio(
      pick('native', 'big', 'product', 'train_ms_median'),
      pick('webgpu', 'big', 'product', 'train_ms_median'),
    ),
  },
  targets: { big_train_webgpu_over_torch_cuda: '<= 2', big_train_native_over_webgpu: '>= 20' },
};
mkdirSync(path.dirname(opt.json), { recursive: true });
writeFileSync(opt.json, JSON.stringify({ rows, teachers, ...summary }, null, 2));
console.log(JSON.stringify(summary));
