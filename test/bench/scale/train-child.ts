/**
 * One scale-benchmark training run in a fresh process, so that its peak RSS is its own:
 *   tsx test/bench/scale/train-child.ts '{"images":"...","masks":"...","out":"...","steps":40,...}'
 * Trains the product's tiny U-Net from a folder pair for a fixed number of steps (one epoch capped by
 * stepsPerEpoch) through the streaming data path (students/run.ts), validates on its validation split,
 * and prints one JSON line: peak RSS (VmHWM), seconds, images and cache budget.
 */
import { readFileSync } from 'node:fs';
import { initCompute } from '../../../electron/engine/backend.js';
import { resolveConfig } from '../../../electron/engine/zoo/index.js';
import { DEFAULT_AUGMENT } from '../../../electron/students/augment.js';
import { runTrainingJob } from '../../../electron/students/run.js';
import { defaultCacheBytes } from '../../../electron/students/samples/prepared-set.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../../electron/students/trainer.js';

export interface TrainChildJob {
  images: string;
  masks: string;
  out: string;
  steps: number;
  batch: number;
  size: number;
  valFraction: number;
  cacheMb: number | null;
}

export interface TrainChildResult {
  vmHwmMb: number;
  seconds: number;
  trainImages: number;
  valImages: number;
  stepsRun: number;
  cacheMb: number;
  valDice: number | null;
}

/** Peak resident set of this process (Linux: VmHWM in /proc/self/status), in MiB. */
export function vmHwmMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmHWM in /proc/self/status (Linux only)');
  return Number(m[1]) / 1024;
}

const job = JSON.parse(process.argv[2] ?? '{}') as TrainChildJob;
await initCompute();
const t0 = Date.now();
const cacheBytes = job.cacheMb === null ? defaultCacheBytes() : job.cacheMb * 2 ** 20;
const r = await runTrainingJob({
  name: 'scale',
  data: { kind: 'folders', images: job.images, masks: job.masks, caseRegex: '^(bus_\\d+)' },
  model: { kind: 'zoo', config: resolveConfig('unet-tiny', { size: job.size }) },
  options: {
    ...DEFAULT_TRAIN_OPTIONS,
    augment: DEFAULT_AUGMENT,
    epochs: 1,
    batchSize: job.batch,
    stepsPerEpoch: job.steps,
    warmupSteps: 0,
  },
  split: { valFraction: job.valFraction },
  outDir: job.out,
  resume: false,
  cacheBytes,
});
const result: TrainChildResult = {
  vmHwmMb: Math.round(vmHwmMb()),
  seconds: Math.round((Date.now() - t0) / 100) / 10,
  trainImages: r.trainImages,
  valImages: r.valImages,
  stepsRun: r.history.length ? job.steps : 0,
  cacheMb: cacheBytes / 2 ** 20,
  valDice: r.bestValDice,
};
console.log(JSON.stringify(result));
