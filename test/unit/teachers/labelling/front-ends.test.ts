// The pseudo-labelling core on real images and ONNX teachers: test-time augmentation changes a teacher's
// map and averages the views back on the image's grid; the three front ends (a folder, folders of maps,
// a project's job) give the same 'auto' labels from the same maps.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../shared/errors.js';
import { readImageFile } from '../../../../electron/io/read.js';
import { importTeacher, pseudoLabel } from '../../../../electron/services/teacher-service.js';
import {
  ProjectStore,
  dequantizeProbabilities,
  quantizeProbabilities,
} from '../../../../electron/store/index.js';
import { loadTeacherCard } from '../../../../electron/teachers/card.js';
import { runFolder } from '../../../../electron/teachers/folder-run.js';
import { fuseFolders } from '../../../../electron/teachers/fuse-folders.js';
import { readTeacherImages } from '../../../../electron/teachers/images.js';
import {
  averageViews,
  DEFAULT_TTA_VIEWS,
  unviewMap,
  viewImage,
} from '../../../../electron/teachers/label-free/tta.js';
import { predictTeacherMaps } from '../../../../electron/teachers/labelling/teacher-maps.js';
import { openTeacher } from '../../../../electron/teachers/open.js';
import type { TeacherRunner } from '../../../../electron/teachers/runner.js';
import type { JobContext } from '../../../../electron/util/job-context.js';
import { APP_VERSION } from '../../../../electron/util/version.js';
import { copyBusBra } from '../../../helpers/data.js';
import { SHARED_DIR, tempDir } from '../../../helpers/temp.js';

const CARDS = ['fcn-busi', 'unet-busi'].map((t) => join(SHARED_DIR, 'teachers', `${t}.json`));
const N = 5;

let t: { dir: string; cleanup: () => void };
let data: { images: string; masks: string; names: string[] };
let runners: TeacherRunner[];

beforeAll(async () => {
  t = tempDir('labelling-');
  data = copyBusBra(t.dir, N);
  runners = [];
  for (const c of CARDS) runners.push(await openTeacher(loadTeacherCard(c)));
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.dispose()));
  t.cleanup();
});

function ctx(): JobContext {
  const abort = new AbortController();
  return {
    jobId: 'test',
    signal: abort.signal,
    progress() {},
    throwIfCancelled() {
      if (abort.signal.aborted) throw new AppError(ErrorCode.CANCELLED, 'cancelled');
    },
  };
}

describe('the pseudo-labelling core', () => {
  it("averages a teacher's test-time-augmented views back on the image's grid, unlike its plain map", async () => {
    const images = await readTeacherImages(join(data.images, data.names[0]!));
    const img = images[0]!;
    const r = runners[1]!;
    const plainRun = (await r.predict([img]))[0]!;
    const withViews = (await predictTeacherMaps(r, [img], DEFAULT_TTA_VIEWS))[0]!;
    const plain = (await predictTeacherMaps(r, [img], [{ kind: 'identity' }]))[0]!;
    if (!withViews.ok || !plain.ok || !plainRun.ok) throw new Error('the teacher failed');
    expect(withViews.prob.length).toBe(img.rows * img.cols);
    // The plain map is the teacher's own answer; the TTA map is the 8-bit mean of the views, unviewed.
    expect(Array.from(withViews.plain)).toEqual(Array.from(plainRun.prob));
    expect(Array.from(plain.stored)).toEqual(Array.from(quantizeProbabilities(plainRun.prob)));
    const views = [];
    for (const v of DEFAULT_TTA_VIEWS) {
      const res = (await r.predict([viewImage(img, v)]))[0]!;
      if (!res.ok) throw res.error;
      views.push(unviewMap(res.prob, v, img.rows, img.cols));
    }
    expect(Array.from(withViews.stored)).toEqual(Array.from(quantizeProbabilities(averageViews(views))));
    expect(Array.from(withViews.prob)).toEqual(Array.from(dequantizeProbabilities(withViews.stored)));
    let differ = 0;
    for (let i = 0; i < plain.stored.length; i++) if (withViews.stored[i] !== plain.stored[i]) differ++;
    expect(differ).toBeGreaterThan(plain.stored.length / 100);
  }, 60_000);

  it('runs one teacher plain unless --tta asks for its views', async () => {
    const one = [runners[0]!];
    const plain = await runFolder(one, { images: data.images, out: join(t.dir, 'one') });
    expect(plain.fusion).toBeNull();
    expect(plain.fusionReport).toMatchObject({ method: 'mean', ttaViews: [], images: N });
    const views = await runFolder(one, {
      images: data.images,
      out: join(t.dir, 'one-tta'),
      fusion: { method: 'mean', tta: true },
    });
    expect(views.fusionReport.ttaViews).toEqual(['identity', 'flip', 'zoom0.85', 'zoom1.15']);
    const differ = data.names.filter(
      (n) =>
        !Buffer.from(decode(readFileSync(join(t.dir, 'one', n))).data).equals(
          Buffer.from(decode(readFileSync(join(t.dir, 'one-tta', n))).data),
        ),
    );
    expect(differ.length).toBeGreaterThan(0);
  }, 120_000);

  it("gives the same 'auto' labels from a folder, from folders of its maps and from a project's job", async () => {
    const probs = join(t.dir, 'probs');
    const a = await runFolder(runners, { images: data.images, out: join(t.dir, 'a'), probs });
    expect(a.written).toBe(N);
    expect(a.fusionReport).toMatchObject({ method: 'auto', images: N, weightsFrom: 'this-set' });
    expect(a.fusionReport.ttaViews).toEqual(['identity', 'flip', 'zoom0.85', 'zoom1.15']);
    const weights = a.fusionReport.teachers.map((x) => x.weight!);
    expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 10);

    const b = await fuseFolders({
      probs: CARDS.map((_, k) => join(probs, ['fcn-busi', 'unet-busi'][k]!)),
      out: join(t.dir, 'b'),
    });
    expect(b.written).toBe(N);
    expect(b.fusionReport.teachers.map((x) => x.weight)).toEqual(weights);

    // The project reads the same maps as precomputed teachers.
    const store = ProjectStore.create(join(t.dir, 'p'), { name: 'p', appVersion: APP_VERSION });
    try {
      const datasetId = store.datasets.add({ name: 'bus', role: 'transferal' }).id;
      for (const n of data.names) {
        const s = await readImageFile(join(data.images, n));
        store.images.addWithPixels(
          {
            datasetId,
            rows: s.rows,
            cols: s.cols,
            channels: 1,
            dtype: 'uint8',
            source: { kind: 'png', path: join(data.images, n) },
          },
          s.slices[0]!.pixels as Uint8Array,
        );
      }
      const ids = [];
      for (const name of ['fcn-busi', 'unet-busi']) {
        const card = join(t.dir, `${name}-maps.json`);
        writeFileSync(card, JSON.stringify({ name, masks: { dir: join(probs, name) } }));
        ids.push((await importTeacher(store, { path: card })).teacher.id);
      }
      const job = await pseudoLabel(store, { teacherIds: ids, datasetId }, ctx());
      expect(job).toMatchObject({ labelsWritten: N, failedImages: 0 });
      expect(job.fusion.teachers.map((x) => x.weight)).toEqual(weights);
      const images = store.images.list({ datasetId });
      for (const [k, n] of data.names.entries()) {
        const fromFolder = decode(readFileSync(join(t.dir, 'a', n))).data;
        const fromMaps = decode(readFileSync(join(t.dir, 'b', n))).data;
        const fromJob = store.masks.read(store.masks.latest(images[k]!.id, 'pseudo_label')!);
        expect(Buffer.from(fromMaps).equals(Buffer.from(fromFolder)), n).toBe(true);
        expect(Array.from(fromJob, (v) => (v ? 255 : 0))).toEqual(Array.from(fromFolder));
      }
      // Run again: the maps and the labels (same set weights) are reused, nothing is fused twice.
      const again = await pseudoLabel(store, { teacherIds: ids, datasetId }, ctx());
      expect(again).toMatchObject({ mapsReused: 2 * N, labelsReused: N, labelsWritten: 0 });
    } finally {
      store.close();
    }
  }, 180_000);
});
