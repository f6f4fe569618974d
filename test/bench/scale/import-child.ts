/**
 * Child process of the scale benchmark: imports folders into a new project through the AppApi (as the
 * app does: one import job per folder) and prints one JSON line with the time it took and this
 * process's peak resident memory (VmHWM), so that the import's memory is measured alone.
 *
 *   tsx test/bench/scale/import-child.ts '{"projectDir": "...", "imports": [{"path": "...", "dataset": "ct"}]}'
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createAppServices } from '../../../electron/services/app-services.js';
import { createNullLogger } from '../../../electron/services/logger.js';

export interface ImportChildRequest {
  projectDir: string;
  imports: { path: string; dataset: string }[];
}

export interface ImportChildReport {
  imported: number;
  skipped: number;
  seconds: number;
  /** Peak resident memory of this process (VmHWM), bytes. */
  peakRssBytes: number;
  /** Resident memory before the first import (the app loaded, the project open), bytes. */
  baseRssBytes: number;
  /** CPU time (user + system) the imports took, seconds: what they cost whatever else the machine runs. */
  cpuSeconds: number;
  /** The machine's 1-minute load average at the start and the end (2 cores here). */
  load: [number, number];
  /** The highest of each part of memory seen twice a second (process.memoryUsage), bytes. */
  peaks: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  skippedExamples: string[];
}

/** This process's peak resident set (VmHWM) or current one (VmRSS), in bytes, from /proc. */
export function procMemory(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

async function main(req: ImportChildRequest): Promise<ImportChildReport> {
  const userData = mkdtempSync(join(tmpdir(), 'apprentice-scale-user-'));
  const services = createAppServices({
    userDataDir: userData,
    platform: { shell: 'web' },
    logger: createNullLogger(),
    initCompute: async () => {
      throw new Error('the import benchmark needs no compute engine');
    },
  });
  try {
    await services.api.createProject({ parentDir: dirname(req.projectDir), name: basename(req.projectDir) });
    const baseRssBytes = procMemory('VmRSS');
    let imported = 0;
    let skipped = 0;
    const skippedExamples: string[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const load0 = loadavg()[0]!;
    const peaks = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      for (const k of Object.keys(peaks) as (keyof typeof peaks)[]) peaks[k] = Math.max(peaks[k], m[k]);
    }, 500);
    for (const { path, dataset } of req.imports) {
      const job = await services.api.importImages({ path, dataset, role: 'transferal' });
      const done = await services.jobs.wait(job);
      if (done.state !== 'done' || !done.result)
        throw new Error(`import of ${path} ended ${done.state}: ${done.error?.message ?? ''}`);
      imported += done.result.imported;
      skipped += done.result.skipped.length;
      skippedExamples.push(...done.result.skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`));
    }
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sample);
    const cpu = process.cpuUsage(cpu0);
    return {
      imported,
      skipped,
      seconds,
      peakRssBytes: procMemory('VmHWM'),
      baseRssBytes,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      load: [load0, loadavg()[0]!],
      peaks,
      skippedExamples: skippedExamples.slice(0, 5),
    };
  } finally {
    await services.dispose();
    rmSync(userData, { recursive: true, force: true });
  }
}

const report = await main(JSON.parse(process.argv[2] ?? '{}') as ImportChildRequest);
process.stdout.write(`${JSON.stringify(report)}\n`);
