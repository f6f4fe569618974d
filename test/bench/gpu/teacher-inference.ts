/**
 * ONNX teacher inference on each execution provider this machine has: every ONNX teacher card in
 * ../shared/teachers (or --teachers DIR), one batch of its card's input size, timed N times per provider
 * after a warm-up run, with the session settings Apprentice uses (onnx-runner.ts createOnnxSession).
 *
 *   npx tsx test/bench/gpu/teacher-inference.ts [--n 5] [--batch 4] [--providers cpu,webgpu,cuda]
 *                                               [--teachers DIR] [--threads 2]
 *
 * Providers: cpu and webgpu by default, cuda too where onnxruntime's CUDA provider is installed. The CPU
 * run is the reference: each other provider reports its largest absolute difference from it on the same
 * input (raw model output), and its relative L2. On a software adapter (lavapipe) the WebGPU times mean
 * nothing; the differences still do. Progress on stderr; ONE JSON line on stdout, whose `failed` lists the
 * teacher/provider pairs that could not run (their rows say why: e.g. no WebGPU adapter). Exit 0 once
 * measured (test/bench/gpu.bench.ts reads the line), 2 on bad flags.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTeacherCard, readModelFile, type TeacherCard } from '../../../electron/teachers/card.js';
import { createOnnxSession } from '../../../electron/teachers/onnx-runner.js';
import { cudaProviderInstalled } from '../../../electron/teachers/onnx-providers.js';
import { inputLength } from '../../../electron/teachers/preprocess.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5' },
    batch: { type: 'string', default: '4' },
    providers: { type: 'string' },
    teachers: { type: 'string', default: join(REPO, '..', 'shared', 'teachers') },
    threads: { type: 'string', default: '2' },
  },
});
function count(flag: 'n' | 'batch' | 'threads'): number {
  const v = Number(values[flag]);
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`teacher-inference: --${flag} must be a whole number >= 1, not "${values[flag]}"\n`);
    process.exit(2);
  }
  return v;
}
const n = count('n');
const batch = count('batch');
const threads = count('threads');
const providers = values.providers
  ? values.providers.split(',').map((p) => p.trim())
  : ['cpu', 'webgpu', ...(cudaProviderInstalled() ? ['cuda'] : [])];
if (providers[0] !== 'cpu') providers.unshift('cpu'); // the reference comes first
const log = (s: string) => process.stderr.write(`[teacher-inference] ${s}\n`);

interface Row {
  teacher: string;
  provider: string;
  input: number[];
  msPerImage?: number;
  msPerBatch?: number;
  /** Time to create the session and run the first batch (model load, kernel/shader compilation). */
  firstRunMs?: number;
  maxAbsDiffVsCpu?: number;
  relL2VsCpu?: number;
  error?: string;
}

function cards(dir: string): TeacherCard[] {
  const out: TeacherCard[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    try {
      const card = loadTeacherCard(join(dir, f));
      if (card.kind === 'onnx') out.push(card);
    } catch (err) {
      log(`${f}: not a teacher card (${(err as Error).message.split('\n')[0]}), skipped`);
    }
  }
  return out;
}

/** A fixed pseudo-random batch in [0, 1): the same input on every provider. */
function inputOf(len: number): Float32Array {
  const x = new Float32Array(len);
  let s = 12345;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 8) / 16777216;
  }
  return x;
}

async function measure(card: TeacherCard, provider: string): Promise<{ row: Row; out?: Float32Array }> {
  const c = card.contract!.input;
  const dims =
    c.layout === 'NCHW' ? [batch, c.channels, c.height, c.width] : [batch, c.height, c.width, c.channels];
  const row: Row = { teacher: card.name, provider, input: dims };
  const ort = await import('onnxruntime-node');
  const t0 = performance.now();
  let session: Awaited<ReturnType<typeof createOnnxSession>> | undefined;
  try {
    // Exactly the providers asked for: no CPU behind a GPU provider, so a failure shows as one.
    session = await createOnnxSession(readModelFile(card), card.modelPath, { threads }, [provider]);
    const inputName = c.name ?? session.inputNames[0]!;
    const outputName = card.contract!.output.name ?? session.outputNames[0]!;
    const feed = { [inputName]: new ort.Tensor('float32', inputOf(batch * inputLength(c)), dims) };
    const first = (await session.run(feed, [outputName]))[outputName]!;
    row.firstRunMs = round(performance.now() - t0);
    const times: number[] = [];
    for (let k = 0; k < n; k++) {
      const s = performance.now();
      await session.run(feed, [outputName]);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    row.msPerBatch = round(median);
    row.msPerImage = round(median / batch);
    return { row, out: first.data as Float32Array };
  } catch (err) {
    row.error = (err as Error).message.split('\n')[0];
    return { row };
  } finally {
    await session?.release();
  }
}

const round = (x: number, d = 3) => Number(x.toFixed(d));

const rows: Row[] = [];
for (const card of cards(values.teachers)) {
  let ref: Float32Array | undefined;
  for (const provider of providers) {
    log(`${card.name} on ${provider}: ${n} run(s) of a batch of ${batch} ...`);
    const { row, out } = await measure(card, provider);
    if (provider === 'cpu') ref = out;
    else if (out && ref) {
      let max = 0;
      let d2 = 0;
      let r2 = 0;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(out[i]! - ref[i]!);
        if (d > max) max = d;
        d2 += d * d;
        r2 += ref[i]! * ref[i]!;
      }
      row.maxAbsDiffVsCpu = max;
      row.relL2VsCpu = Math.sqrt(d2 / Math.max(r2, 1e-30));
    }
    log(
      row.error
        ? `  failed: ${row.error}`
        : `  ${row.msPerImage} ms/image (first run ${row.firstRunMs} ms)${row.maxAbsDiffVsCpu !== undefined ? `, max |diff| vs cpu ${row.maxAbsDiffVsCpu.toExponential(2)}` : ''}`,
    );
    rows.push(row);
  }
}
const failed = rows.filter((r) => r.error).map((r) => `${r.teacher}/${r.provider}`);
console.log(JSON.stringify({ bench: 'teacher-inference', n, batch, threads, providers, rows, failed }));
