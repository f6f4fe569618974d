/**
 * npm run bench:teachers [-- --images 48 --rounds 3 --batch 8 --json out.json]
 *
 * Batch inference of an ONNX U-Net (../shared/teachers/unet-busi) on BUS-BRA images, two ways in the same
 * process, interleaved round by round so that a busy machine slows both alike:
 *   direct      onnxruntime-node session.run on the already-prepared input tensors (the floor)
 *   apprentice  the pseudo-labelling job: preprocessing, the same session settings, mapping back to each
 *               image's grid, 8-bit quantization, and storing maps + pseudo-labels in a project
 * Target: apprentice / direct <= 1.2 in wall time. CPU time (all threads) is reported beside it: on a busy
 * shared machine it is the steadier measure of the work added. Prints a table; the LAST line is one JSON
 * object with the ratios.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { JobContext } from '../../electron/services/job-manager.js';
import { APP_VERSION } from '../../electron/util/version.js';
import { ProjectStore } from '../../electron/store/index.js';
import { runPseudoLabelJob } from '../../electron/teachers/batch-job.js';
import { loadTeacherCard } from '../../electron/teachers/card.js';
import { readTeacherImages } from '../../electron/teachers/images.js';
import { listFiles } from '../../electron/util/files.js';
import { inputLength, preprocess, type TeacherImage } from '../../electron/teachers/preprocess.js';
import { registerTeacher } from '../../electron/teachers/store-teachers.js';
import { tempDir } from '../helpers/temp.js';

const REPO = join(import.meta.dirname, '..', '..');
const SHARED = join(REPO, '..', 'shared');
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '48' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '8' },
    // Run the model in the job's own thread instead of the runner's worker thread.
    'in-process': { type: 'boolean', default: false },
    json: { type: 'string', default: join(REPO, 'test-results', 'bench-teachers.json') },
  },
});
const nImages = Number(values.images);
const rounds = Number(values.rounds);
const batch = Number(values.batch);
const cardPath = join(SHARED, 'teachers', 'unet-busi.json');
const card = loadTeacherCard(cardPath);
const files = listFiles(join(SHARED, 'data', 'bus-bra', 'images')).slice(0, nImages);
const images: TeacherImage[] = (await Promise.all(files.map((f) => readTeacherImages(f)))).flat();

// The direct path's input: the same tensors Apprentice feeds the model, prepared outside the timing.
const c = card.contract!.input;
const len = inputLength(c);
const tensors: Float32Array[] = [];
for (let s = 0; s < images.length; s += batch) {
  const part = images.slice(s, s + batch);
  const t = new Float32Array(part.length * len);
  part.forEach((img, k) => preprocess(img, c, t, k * len));
  tensors.push(t);
}
const session = await ort.InferenceSession.create(card.modelPath, {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});

interface Timing {
  ms: number;
  /** CPU time of the whole process (onnxruntime's threads included): less sensitive to a busy machine. */
  cpuMs: number;
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

function direct(): Promise<Timing> {
  return timed(async () => {
    for (const t of tensors) {
      const out = await session.run({
        input: new ort.Tensor('float32', t, [t.length / len, c.channels, c.height, c.width]),
      });
      if (out.output!.data.length === 0) throw new Error('empty output');
    }
  });
}

const ctx: JobContext = {
  jobId: 'bench',
  signal: new AbortController().signal,
  progress() {},
  throwIfCancelled() {},
};

async function apprentice(): Promise<Timing> {
  const tmp = tempDir('apprentice-bench-');
  const store = ProjectStore.create(join(tmp.dir, 'p'), { name: 'bench', appVersion: APP_VERSION });
  try {
    const datasetId = store.datasets.add({ name: 'bus', role: 'transferal' }).id;
    images.forEach((img, k) =>
      store.images.addWithPixels(
        {
          datasetId,
          rows: img.rows,
          cols: img.cols,
          channels: img.channels,
          dtype: 'uint8',
          source: { kind: 'png', path: files[k]! },
        },
        img.pixels,
      ),
    );
    const teacher = (await registerTeacher(store, cardPath)).teacher;
    return await timed(async () => {
      const s = await runPseudoLabelJob(
        store,
        {
          teacherIds: [teacher.id],
          datasetId,
          runtime: { batchSize: batch, inProcess: values['in-process'] === true },
        },
        ctx,
      );
      if (s.mapsComputed !== images.length)
        throw new AppError(ErrorCode.INTERNAL, `only ${s.mapsComputed} maps`);
    });
  } finally {
    store.close();
    tmp.cleanup();
  }
}

// One warm-up of each (session creation, page cache), then interleaved rounds; each round's ratio compares
// two runs made back to back, and the median round is reported.
await direct();
await apprentice();
const rows: { round: number; direct: Timing; apprentice: Timing; ratio: number; cpuRatio: number }[] = [];
for (let r = 0; r < rounds; r++) {
  const d = await direct();
  const a = await apprentice();
  rows.push({ round: r + 1, direct: d, apprentice: a, ratio: a.ms / d.ms, cpuRatio: a.cpuMs / d.cpuMs });
}
await session.release();
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const result = {
  model: 'unet-busi (ONNX, 1x256x256, letterbox)',
  onnxThread: values['in-process'] ? 'job thread' : 'worker thread',
  images: images.length,
  batch,
  rounds: rows,
  directMsPerImage: median(rows.map((r) => r.direct.ms)) / images.length,
  apprenticeMsPerImage: median(rows.map((r) => r.apprentice.ms)) / images.length,
  ratio: median(rows.map((r) => r.ratio)),
  cpuRatio: median(rows.map((r) => r.cpuRatio)),
  target: 1.2,
};
mkdirSync(join(REPO, 'test-results'), { recursive: true });
writeFileSync(values.json!, JSON.stringify(result, null, 2));
console.log('round  direct ms (cpu)    apprentice ms (cpu)  ratio  cpu ratio');
for (const r of rows)
  console.log(
    `${String(r.round).padStart(5)}  ${r.direct.ms.toFixed(0).padStart(6)} (${r.direct.cpuMs.toFixed(0).padStart(6)})  ${r.apprentice.ms.toFixed(0).padStart(10)} (${r.apprentice.cpuMs.toFixed(0).padStart(6)})  ${r.ratio.toFixed(3)}  ${r.cpuRatio.toFixed(3)}`,
  );
console.log(
  `median per image: direct ${result.directMsPerImage.toFixed(1)} ms, apprentice ${result.apprenticeMsPerImage.toFixed(1)} ms`,
);
console.log(
  JSON.stringify({
    bench: 'teachers',
    ratio: +result.ratio.toFixed(3),
    cpuRatio: +result.cpuRatio.toFixed(3),
    target: 1.2,
    images: images.length,
  }),
);
