/** Runs a scale child (train-child.ts, label-child.ts) in a fresh process and parses its JSON line. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function runChild<T>(file: string, job: object): T {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, join(import.meta.dirname, file), JSON.stringify(job)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || !line)
    throw new Error(`${file} failed (exit ${r.status ?? r.signal}):\n${(r.stderr ?? '').slice(-4000)}`);
  return JSON.parse(line) as T;
}

/** Where the pair folders are kept between runs (written once, 1.4 GB for 50,000 pairs). */
export const DEFAULT_PAIRS_DIR = process.env.APPRENTICE_TRAIN_PAIRS ?? '/tmp/apprentice-train-scale';
