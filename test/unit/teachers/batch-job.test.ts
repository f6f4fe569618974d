import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { readImageFile } from '../../../electron/io/read.js';
import type { JobContext } from '../../../electron/services/job-manager.js';
import {
  importTeacher,
  previewTeacher,
  pseudoLabel,
  reviewQueueFor,
  softLabel,
} from '../../../electron/services/teacher-service.js';
import { cudaProviderInstalled } from '../../../electron/teachers/onnx-providers.js';
import { APP_VERSION } from '../../../electron/util/version.js';
import { ProjectStore } from '../../../electron/store/index.js';
import { listFiles, fileStem } from '../../../electron/util/files.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const DATA = join(SHARED_DIR, 'data', 'bus-bra');
const UNET = join(SHARED_DIR, 'teachers', 'unet-busi.json');
const N = 10;

function ctx(cancelAfter = Infinity): JobContext & { phases: string[]; notices: string[] } {
  const abort = new AbortController();
  let calls = 0;
  const phases: string[] = [];
  const notices: string[] = [];
  return {
    jobId: 'test',
    signal: abort.signal,
    phases,
    notices,
    notice: (m) => void notices.push(m),
    progress(u) {
      if (u.phase) phases.push(u.phase);
      if (u.done !== undefined && u.done > 0 && ++calls >= cancelAfter) abort.abort();
    },
    throwIfCancelled() {
      if (abort.signal.aborted) throw new AppError(ErrorCode.CANCELLED, 'cancelled');
    },
  };
}

describe('batch pseudo-labelling job', () => {
  let t: { dir: string; cleanup: () => void };
  let store: ProjectStore;
  let datasetId: number;
  let maskTeacherDir: string;

  beforeEach(async () => {
    t = tempDir();
    store = ProjectStore.create(join(t.dir, 'p'), { name: 'p', appVersion: APP_VERSION });
    datasetId = store.datasets.add({ name: 'bus', role: 'transferal' }).id;
    maskTeacherDir = join(t.dir, 'precomputed');
    mkdirSync(maskTeacherDir);
    const files = listFiles(join(DATA, 'images')).slice(0, N);
    for (const [k, f] of files.entries()) {
      const s = await readImageFile(f);
      const px = s.slices[0]!.pixels as Uint8Array;
      store.images.addWithPixels(
        {
          datasetId,
          rows: s.rows,
          cols: s.cols,
          channels: 1,
          dtype: 'uint8',
          source: { kind: 'png', path: f },
        },
        px,
      );
      // The "precomputed" teacher is the ground truth, except that one image has no map at all.
      if (k !== 3)
        symlinkSync(join(DATA, 'masks', `${fileStem(f)}.png`), join(maskTeacherDir, `${fileStem(f)}.png`));
    }
  });
  afterEach(() => {
    store.close();
    t.cleanup();
  });

  it("stores every teacher's 8-bit map and the fused label; an image a teacher fails on is reported and skipped", async () => {
    const unet = (await importTeacher(store, { path: UNET })).teacher;
    const writeCard = join(t.dir, 'pre.json');
    writeFileSync(writeCard, JSON.stringify({ name: 'precomputed', masks: { dir: maskTeacherDir } }));
    const pre = (await importTeacher(store, { path: writeCard })).teacher;
    expect(unet.modelHash).toBe('9012465471bae2bdc9a6534995ce3ddcb92e43a163c6156ece52a92d191eb2da');

    const s = await pseudoLabel(
      store,
      { teacherIds: [unet.id, pre.id], datasetId, fusion: { method: 'mean' } },
      ctx(),
    );
    expect(s).toMatchObject({
      images: N,
      mapsComputed: 2 * N - 1,
      labelsWritten: N - 1,
      failedImages: 1,
      errorCount: 1,
    });
    expect(s.errors[0]!.message).toMatch(/teacher "precomputed" failed on .*no map named/);
    expect(store.jobs.get(s.jobId).state).toBe('succeeded');
    const images = store.images.list({ datasetId });
    const bad = images[3]!;
    expect(store.masks.latest(bad.id, 'pseudo_label')).toBeUndefined();
    const img = images[0]!;
    const maps = store.masks.probabilityMaps(img.id);
    expect(maps.map((m) => m.teacherId)).toEqual([unet.id, pre.id]);
    const label = store.masks.read(store.masks.latest(img.id, 'pseudo_label')!);
    const soft = softLabel(store, img.id)!;
    expect(label.length).toBe(img.rows * img.cols);
    // The hard label is the soft label thresholded at 0.5, and the soft label is the mean of the two maps.
    const a = store.masks.read(maps[0]!);
    const b = store.masks.read(maps[1]!);
    for (let i = 0; i < label.length; i += 97) {
      expect(Math.abs(soft[i]! - (a[i]! + b[i]!) / 2)).toBeLessThanOrEqual(1);
      expect(label[i]).toBe(soft[i]! > 127.5 ? 1 : 0);
    }
    const queue = reviewQueueFor(store, datasetId);
    expect(queue).toHaveLength(N - 1);
    for (let k = 1; k < queue.length; k++)
      expect(queue[k - 1]!.disagreement).toBeGreaterThanOrEqual(queue[k]!.disagreement);
  });

  it('cancels between batches and resumes where it stopped, reusing what was stored', async () => {
    const unet = (await importTeacher(store, { path: UNET })).teacher;
    const err = await pseudoLabel(
      store,
      { teacherIds: [unet.id], datasetId, fusion: { method: 'mean' }, runtime: { batchSize: 2 } },
      ctx(1),
    ).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('CANCELLED');
    const first = store.jobs.list({ kind: 'pseudo-label' })[0]!;
    expect(first.state).toBe('cancelled');
    const done = store.images
      .list({ datasetId })
      .filter((i) => store.masks.latest(i.id, 'pseudo_label')).length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(N);
    const s = await pseudoLabel(store, { resumeJobId: first.id }, ctx());
    expect(s).toMatchObject({
      mapsReused: done,
      mapsComputed: N - done,
      labelsReused: done,
      labelsWritten: N - done,
    });
    expect(store.jobs.get(s.jobId).params.resumedFrom).toBe(first.id);
    // Every image has exactly one map of the teacher: nothing was computed twice.
    for (const i of store.images.list({ datasetId }))
      expect(store.masks.list(i.id, 'probability')).toHaveLength(1);
  });

  it("with 'auto', stores every map before fusing, and a cancel while fusing resumes to the same weights", async () => {
    const unet = (await importTeacher(store, { path: UNET })).teacher;
    const res = (await importTeacher(store, { path: join(SHARED_DIR, 'teachers', 'resunet-busi.json') }))
      .teacher;
    const c = ctx(4); // chunks of 4: three map commits (4, 8, 10 images), then the first chunk of labels
    const err = await pseudoLabel(
      store,
      { teacherIds: [unet.id, res.id], datasetId, runtime: { batchSize: 4 } },
      c,
    ).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('CANCELLED');
    expect(c.phases).toContain('fusing');
    const images = store.images.list({ datasetId });
    // Every map of both teachers is stored; only the first chunk of labels was fused.
    expect(images.map((i) => store.masks.list(i.id, 'probability').length)).toEqual(images.map(() => 2));
    expect(images.filter((i) => store.masks.latest(i.id, 'pseudo_label'))).toHaveLength(4);
    // A stored map is the mean of the teacher's test-time-augmentation views, and says so.
    expect(store.masks.latest(images[0]!.id, 'probability', unet.id)!.params.tta).toEqual([
      'identity',
      'flip',
      'zoom0.85',
      'zoom1.15',
    ]);
    const job = store.jobs.list({ kind: 'pseudo-label' })[0]!;
    const s = await pseudoLabel(store, { resumeJobId: job.id }, ctx());
    expect(s).toMatchObject({ mapsComputed: 0, mapsReused: 2 * N, labelsReused: 4, labelsWritten: N - 4 });
    expect(s.fusion).toMatchObject({ method: 'auto', images: N - 4, weightsFrom: 'this-set' });
    const weights = s.fusion.teachers.map((x) => x.weight);
    for (const i of images) {
      const p = store.masks.latest(i.id, 'pseudo_label')!.params as { fusion: { weights: number[] } };
      expect(p.fusion.weights).toEqual(weights);
    }
    // The soft label of an 'auto' label is rebuilt from its stored weights.
    expect(softLabel(store, images[0]!.id)!.length).toBe(images[0]!.rows * images[0]!.cols);
  }, 180_000);

  it('a write that fails mid-chunk rolls the chunk back whole; the job fails cleanly and resumes', async () => {
    const unet = (await importTeacher(store, { path: UNET })).teacher;
    const put = store.masks.put.bind(store.masks);
    let calls = 0;
    // A chunk of 4 images makes 8 writes (4 maps, 4 labels): the 11th, a map of chunk 2, fails like a full disk.
    store.masks.put = (imageId, m) => {
      if (++calls === 11) throw new AppError(ErrorCode.IO_ERROR, 'The disk is full');
      return put(imageId, m);
    };
    const err = await pseudoLabel(
      store,
      { teacherIds: [unet.id], datasetId, fusion: { method: 'mean' }, runtime: { batchSize: 4 } },
      ctx(),
    ).catch((e: unknown) => e);
    expect((err as AppError).message).toBe('The disk is full');
    const job = store.jobs.list({ kind: 'pseudo-label' })[0]!;
    expect(job).toMatchObject({ state: 'failed', error: { code: 'IO_ERROR' } });
    // Chunk 1 (4 maps + 4 labels) is stored; nothing of chunk 2 is, not even the maps written before the failure.
    const images = store.images.list({ datasetId });
    const stored = images.map((i) => [
      store.masks.list(i.id, 'probability').length,
      store.masks.list(i.id, 'pseudo_label').length,
    ]);
    expect(stored).toEqual(images.map((_, k) => (k < 4 ? [1, 1] : [0, 0])));
    store.masks.put = put;
    const s = await pseudoLabel(store, { resumeJobId: job.id }, ctx());
    expect(s).toMatchObject({ mapsReused: 4, mapsComputed: N - 4, labelsWritten: N - 4 });
  });

  it("says where each teacher ran; a GPU provider that cannot start is the job's notice, its teacher on the CPU", async () => {
    const unet = (await importTeacher(store, { path: UNET })).teacher;
    const writeCard = join(t.dir, 'pre.json');
    writeFileSync(writeCard, JSON.stringify({ name: 'precomputed', masks: { dir: maskTeacherDir } }));
    const pre = (await importTeacher(store, { path: writeCard })).teacher;
    const req = { teacherIds: [unet.id, pre.id], imageIds: [store.images.list({ datasetId })[0]!.id] };
    const plain = ctx();
    const s = await pseudoLabel(store, { ...req, runtime: { provider: 'cpu' } }, plain);
    expect(s.teacherProviders).toEqual({ 'unet-busi': 'cpu', precomputed: 'none' });
    expect(plain.notices).toEqual([]);
    // CUDA where onnxruntime's CUDA provider is not installed fails to load, as a broken GPU provider does.
    if (cudaProviderInstalled()) return;
    const c = ctx();
    const g = await pseudoLabel(store, { ...req, runtime: { provider: 'cuda' } }, c);
    expect(g.teacherProviders).toEqual({ 'unet-busi': 'cpu', precomputed: 'none' });
    expect(c.notices).toHaveLength(1);
    expect(c.notices[0]).toMatch(/^teacher unet-busi: the cuda provider failed \(.+\); running on CPU$/);
    expect(g).toMatchObject({ failedImages: 0, labelsReused: 1 });
  });

  it('fails before any work when a teacher cannot run, and previews a teacher on 3 images', async () => {
    const unet = (await importTeacher(store, { path: UNET })).teacher;
    const broken = store.teachers.add({
      name: 'broken',
      kind: 'onnx',
      card: {
        ...unet.card,
        name: 'broken',
        input: { ...(unet.card.input as object), channels: 3, mean: [0], std: [1] },
      },
      modelHash: unet.modelHash,
    });
    await expect(pseudoLabel(store, { teacherIds: [broken.id], datasetId }, ctx())).rejects.toThrow(
      /card says channels 3/,
    );
    expect(store.masks.list(store.images.list({ datasetId })[0]!.id)).toHaveLength(0);

    const p = await previewTeacher(store, { teacherId: unet.id });
    expect(p.images).toHaveLength(3);
    for (const im of p.images) {
      expect(im.probability!.length).toBe(im.rows * im.cols);
      expect(im.stats!.foregroundFraction).toBeGreaterThanOrEqual(0);
      expect(im.stats!.maxProbability).toBeLessThanOrEqual(1);
    }
    // The same model declared as softmax-probabilities-already (it emits logits) is caught by the preview.
    const wrong = store.teachers.add({
      name: 'wrong-kind',
      kind: 'onnx',
      card: {
        ...unet.card,
        name: 'wrong-kind',
        output: { ...(unet.card.output as object), kind: 'sigmoid' },
      },
      modelHash: unet.modelHash,
    });
    const w = await previewTeacher(store, { teacherId: wrong.id });
    // A card not imported yet can be tried first.
    const fromFile = await previewTeacher(store, {
      path: join(SHARED_DIR, 'teachers', 'resunet-busi.json'),
      count: 2,
    });
    expect(fromFile.images.map((i) => i.error ?? 'ok')).toEqual(['ok', 'ok']);
    expect(w.images.flatMap((i) => i.warnings).join('\n')).toMatch(
      /outside \[0, 1\]: the output looks like logits/,
    );
  });
});
