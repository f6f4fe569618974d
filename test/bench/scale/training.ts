/**
 * Scale benchmark, training section: the student trains from a folder of 5,000 and of 50,000 image +
 * mask pairs (ctx.slices / 10 and ctx.slices) for the same fixed number of steps, each run in a fresh
 * process; peak RSS (VmHWM) of both and their ratio against the target "within 1.5x" (issue 15). The
 * samples stream (electron/students/samples/): listed, then read, decoded and resized per batch through
 * a byte-bounded cache. Validation takes a fixed fraction of the cases, so it grows with the set: it
 * streams too. The pairs are copies of BUS-BRA (train-data.ts), written once under /tmp.
 *
 *   tsx test/bench/scale/training.ts [--data DIR] [--slices 50000] [--steps 40] [--cache-mb 512]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PAIRS_DIR, peakRatioRow, runChild } from './child.js';
import type { TrainChildJob, TrainChildResult } from './train-child.js';
import { ensurePairFolders } from './train-data.js';
import type { ScaleContext, ScaleRow } from './types.js';

export interface TrainingScaleOptions {
  /** Where the pair folders are (or are written). */
  pairsDir: string;
  steps: number;
  batch: number;
  size: number;
  valFraction: number;
  /** null = the product's default cache budget. */
  cacheMb: number | null;
}

const DEFAULTS: Omit<TrainingScaleOptions, 'pairsDir'> = {
  steps: 40,
  batch: 8,
  size: 128,
  valFraction: 0.02,
  cacheMb: null,
};

export async function measureTraining(
  ctx: ScaleContext,
  options: Partial<TrainingScaleOptions> = {},
): Promise<ScaleRow[]> {
  const o: TrainingScaleOptions = { ...DEFAULTS, pairsDir: DEFAULT_PAIRS_DIR, ...options };
  const large = ctx.slices,
    small = Math.max(100, Math.round(ctx.slices / 10));
  const folders = ensurePairFolders(o.pairsDir, [small, large]);
  const scratch = mkdtempSync(join(ctx.workDir, 'train-'));
  const runs = new Map<number, TrainChildResult>();
  try {
    for (const n of [small, large]) {
      const f = folders.get(n)!;
      const job: TrainChildJob = {
        images: f.images,
        masks: f.masks,
        out: join(scratch, `run-${n}`),
        steps: o.steps,
        batch: o.batch,
        size: o.size,
        valFraction: o.valFraction,
        cacheMb: o.cacheMb,
      };
      runs.set(n, runChild<TrainChildResult>('train-child.ts', job));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const a = runs.get(small)!,
    b = runs.get(large)!;
  const what = (r: TrainChildResult) =>
    `${r.trainImages} train / ${r.valImages} val images, ${o.steps} steps of ${o.batch} at ${o.size} px, ` +
    `cache ${r.cacheMb} MiB, ${r.seconds} s, val Dice ${r.valDice?.toFixed(3) ?? '-'}`;
  const row = (n: number, r: TrainChildResult): ScaleRow => ({
    section: 'training',
    name: `peak RSS, ${n.toLocaleString('en')} training slices`,
    value: r.vmHwmMb,
    unit: 'MiB',
    target: 'reference',
    met: true,
    note: what(r),
  });
  return [
    row(small, a),
    row(large, b),
    peakRatioRow('training', 'slices', { n: small, vmHwmMb: a.vmHwmMb }, { n: large, vmHwmMb: b.vmHwmMb }),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: v } = parseArgs({
    options: {
      data: { type: 'string', default: DEFAULT_PAIRS_DIR },
      slices: { type: 'string', default: '50000' },
      steps: { type: 'string', default: String(DEFAULTS.steps) },
      'cache-mb': { type: 'string' },
    },
  });
  const work = mkdtempSync('/tmp/apprentice-train-scale-work-');
  try {
    const rows = await measureTraining(
      { dataDir: v.data, projectDir: '', workDir: work, slices: Number(v.slices) },
      {
        pairsDir: v.data,
        steps: Number(v.steps),
        ...(v['cache-mb'] !== undefined ? { cacheMb: Number(v['cache-mb']) } : {}),
      },
    );
    for (const r of rows)
      console.log(
        `${r.name}: ${r.value} ${r.unit} (target ${r.target}${r.met ? '' : ', NOT met'})${r.note ? ` - ${r.note}` : ''}`,
      );
    console.log(JSON.stringify(rows));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
