// Curation on a real project: BUS-BRA images with the dataset's own manifest (case = patient).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from 'fast-png';
import type { AppServices } from '../../../../electron/services/app-services.js';
import { dHash, hammingDistance } from '../../../../electron/services/curation/image-hash.js';
import { testServices } from '../../../helpers/services.js';
import { SHARED_DIR, tempDir } from '../../../helpers/temp.js';

describe('curation', () => {
  const t = tempDir();
  const bus = join(SHARED_DIR, 'data', 'bus-bra');
  let services: AppServices;

  beforeAll(async () => {
    const images = join(t.dir, 'images');
    mkdirSync(images);
    for (const f of readdirSync(join(bus, 'images')).sort().slice(0, 24))
      copyFileSync(join(bus, 'images', f), join(images, f));
    // A near-duplicate: the first image re-saved at half size under another name.
    const first = decode(readFileSync(join(images, readdirSync(images).sort()[0]!)));
    const w = first.width >> 1;
    const h = first.height >> 1;
    const half = new Uint8Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) half[y * w + x] = (first.data as Uint8Array)[2 * y * first.width + 2 * x]!;
    writeFileSync(
      join(images, 'zz_copy_small.png'),
      encode({ width: w, height: h, data: half, channels: 1 }),
    );
    services = testServices(join(t.dir, 'ud'));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    const job = await services.api.importImages({
      path: images,
      dataset: 'bus',
      manifestPath: join(bus, 'manifest.csv'),
    });
    expect((await services.jobs.wait(job.jobId)).state).toBe('done');
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('takes each image case from the manifest (both views of a patient share it)', async () => {
    const items = await services.api.listImages({});
    const l = items.find((i) => i.name === 'bus_0005-l.png');
    const r = items.find((i) => i.name === 'bus_0005-r.png');
    expect(l?.caseId).toBe('5');
    expect(r?.caseId).toBe('5');
  });

  it('splits by case, reproducibly', async () => {
    const [ds] = await services.api.listDatasets();
    const summary = await services.api.assignSplits({
      datasetId: ds!.id,
      train: 0.6,
      val: 0.2,
      test: 0.2,
      seed: 3,
    });
    expect(summary.train.images + summary.val.images + summary.test.images).toBe(25);
    const items = await services.api.listImages({});
    const splitOfCase = new Map<string, Set<string | null>>();
    for (const i of items) {
      const set = splitOfCase.get(i.caseId ?? `#${i.id}`) ?? new Set();
      set.add(i.split);
      splitOfCase.set(i.caseId ?? `#${i.id}`, set);
    }
    for (const s of splitOfCase.values()) expect(s.size).toBe(1);
    const again = await services.api.assignSplits({
      datasetId: ds!.id,
      train: 0.6,
      val: 0.2,
      test: 0.2,
      seed: 3,
    });
    expect(again).toEqual(summary);
    await expect(
      services.api.assignSplits({ datasetId: ds!.id, train: 0.5, val: 0.2, test: 0.2, seed: 3 }),
    ).rejects.toThrow(/add up/);
  });

  it('finds the resized copy as a near-duplicate of its original, and nothing else', async () => {
    const groups = await services.api.findNearDuplicates({});
    expect(groups).toHaveLength(1);
    const original = readdirSync(join(bus, 'images')).sort()[0]!;
    expect(groups[0]!.names.sort()).toEqual([original, 'zz_copy_small.png'].sort());
  });

  it('tells different images apart by many bits', async () => {
    const store = services.projects.require();
    const [a, b] = store.images.list({ limit: 2 });
    const { getImage } = await import('../../../../electron/services/review-service.js');
    expect(hammingDistance(dHash(getImage(store, a!.id)), dHash(getImage(store, b!.id)))).toBeGreaterThan(10);
  });

  it('makes thumbnails that keep the aspect ratio', async () => {
    const items = await services.api.listImages({});
    const [th] = await services.api.getThumbnails({ imageIds: [items[0]!.id], size: 64 });
    expect(Math.max(th!.width, th!.height)).toBe(64);
    expect(th!.pixels.length).toBe(th!.width * th!.height);
    expect(th!.width / th!.height).toBeCloseTo(items[0]!.cols / items[0]!.rows, 1);
  });

  it('excludes and tags images in one call', async () => {
    const items = await services.api.listImages({});
    await services.api.updateImages({
      imageIds: [items[0]!.id, items[1]!.id],
      included: false,
      addTags: ['artefact'],
    });
    const after = await services.api.listImages({});
    expect(after[0]).toMatchObject({ included: false, tags: ['artefact'] });
    expect(after[2]).toMatchObject({ included: true, tags: [] });
  });

  it('refuses a manifest without an image column, naming the file', async () => {
    const bad = join(t.dir, 'bad.csv');
    writeFileSync(bad, 'foo,bar\n1,2\n');
    const job = await services.api.importImages({
      path: join(t.dir, 'images'),
      dataset: 'x',
      manifestPath: bad,
    });
    const done = await services.jobs.wait(job.jobId);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'BAD_FILE' } });
    expect(done.error?.message).toContain('bad.csv');
  });
});
