/**
 * One scale-benchmark pseudo-labelling run in a fresh process, so that its peak RSS is its own:
 *   tsx test/bench/scale/label-child.ts '{"images":"...","masks":"...","out":"...","teachers":[...]}'
 * Runs the teachers over a folder through the one labelling core (teachers/folder-run.ts: pass 1 stores
 * each teacher's map on disk, pass 2 fuses every image from its stored maps with the set's weights),
 * with ground truth for Dice, and prints one JSON line: peak RSS (VmHWM), seconds, images, labels.
 */
import { readFileSync } from 'node:fs';
import { initCompute } from '../../../electron/engine/backend.js';
import { loadTeacherCard } from '../../../electron/teachers/card.js';
import { runFolder } from '../../../electron/teachers/folder-run.js';
import { openTeacher } from '../../../electron/teachers/open.js';

export interface LabelChildJob {
  images: string;
  masks: string;
  out: string;
  /** Teacher cards (NAME.json). */
  teachers: string[];
  tta: boolean;
}

export interface LabelChildResult {
  vmHwmMb: number;
  seconds: number;
  images: number;
  written: number;
  failed: number;
  diceMean: number | null;
  fusion: string | null;
}

const job = JSON.parse(process.argv[2] ?? '{}') as LabelChildJob;
await initCompute();
const runners = await Promise.all(job.teachers.map((c) => openTeacher(loadTeacherCard(c))));
const r = await runFolder(runners, {
  images: job.images,
  masks: job.masks,
  out: job.out,
  fusion: { method: 'auto', tta: job.tta },
});
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const result: LabelChildResult = {
  vmHwmMb: hwm ? Math.round(Number(hwm[1]) / 1024) : Number.NaN,
  seconds: Math.round(r.seconds * 10) / 10,
  images: r.images,
  written: r.written,
  failed: r.failed,
  diceMean: r.dice_mean ?? null,
  fusion: r.fusion,
};
for (const runner of runners) await runner.dispose();
console.log(JSON.stringify(result));
