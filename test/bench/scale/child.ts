/** Runs a scale child (train-child.ts, label-child.ts) in a fresh process and parses its JSON line. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ScaleRow } from './types.js';

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

/** Peak RSS may grow this much from the small run to the large one (issue 15: "within 1.5x"). */
export const TARGET_RATIO = 1.5;

/** The large run's peak RSS over the small one's, as a row against TARGET_RATIO. */
export function peakRatioRow(
  section: string,
  counted: string,
  small: { n: number; vmHwmMb: number },
  large: { n: number; vmHwmMb: number },
): ScaleRow {
  const ratio = Math.round((large.vmHwmMb / small.vmHwmMb) * 100) / 100;
  return {
    section,
    name: `peak RSS ${large.n.toLocaleString('en')} / ${small.n.toLocaleString('en')} ${counted}`,
    value: ratio,
    unit: 'x',
    target: `<= ${TARGET_RATIO} x`,
    met: ratio <= TARGET_RATIO,
  };
}
