// Datasets through dispatch() (schema validation included): an empty import creates nothing, and a
// dataset can be renamed and deleted with everything recorded about its images, in one transaction.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../electron/services/dispatch.js';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { DatasetDeletion, DatasetSummary, ImageListItem, ImportSummary } from '../../../shared/dto.js';
import type { JobProgress } from '../../../shared/jobs.js';
import type { Reply } from '../../../shared/api.js';
import { copyBusBra } from '../../helpers/data.js';
import { testServices } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';

describe('datasets through the API', () => {
  const t = tempDir('apprentice-datasets-api-');
  let services: AppServices;
  const call = async <T>(method: string, args?: unknown): Promise<Reply<T>> =>
    (await dispatch(services.api, method, args === undefined ? [] : [args], services.log)) as Reply<T>;
  const ok = async <T>(method: string, args?: unknown): Promise<T> => {
    const r = await call<T>(method, args);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.value;
  };
  const refusal = async (method: string, args: unknown) => {
    const r = await call(method, args);
    expect(r.ok, `${method} should be refused`).toBe(false);
    return r.ok ? null : r.error;
  };
  const importInto = async (path: string, dataset: string, masksPath?: string) => {
    const job = await ok<JobProgress>('importImages', { path, dataset, ...(masksPath ? { masksPath } : {}) });
    return services.jobs.wait(job.jobId);
  };
  let bus: { images: string; masks: string };

  beforeAll(async () => {
    bus = copyBusBra(t.dir, 4);
    services = testServices(join(t.dir, 'ud'));
    await ok('createProject', { parentDir: t.dir, name: 'p' });
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('an import that finds nothing creates no dataset and says why', async () => {
    const empty = join(t.dir, 'empty');
    mkdirSync(empty);
    const none = await importInto(empty, 'from-empty');
    expect(none.state).toBe('failed');
    expect(none.error?.message).toMatch(/^Nothing imported: .*empty holds no DICOM.*no dataset was created/);

    const broken = join(t.dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'scan.png'), 'not a png at all');
    const bad = await importInto(broken, 'from-broken');
    expect(bad.state).toBe('failed');
    expect(bad.error?.message).toMatch(
      /none of the 1 file\(s\) .* could be read, so no dataset was created \(.*scan\.png/,
    );
    expect(await ok<DatasetSummary[]>('listDatasets')).toEqual([]);
  });

  it('renames a dataset, and refuses unknown ids, empty, over-long and duplicate names', async () => {
    expect((await importInto(bus.images, 'first', bus.masks)).state).toBe('done');
    expect((await importInto(bus.images, 'second')).state).toBe('done');
    const [first, second] = await ok<DatasetSummary[]>('listDatasets');
    const renamed = await ok<DatasetSummary>('renameDataset', {
      datasetId: first!.id,
      name: '  BUS-BRA 4  ',
    });
    expect(renamed).toMatchObject({ id: first!.id, name: 'BUS-BRA 4', imageCount: 4 });

    expect((await refusal('renameDataset', { datasetId: 9999, name: 'x' }))?.code).toBe('NOT_FOUND');
    expect((await refusal('renameDataset', { datasetId: first!.id, name: '   ' }))?.message).toMatch(
      /dataset name is empty/,
    );
    expect(
      (await refusal('renameDataset', { datasetId: first!.id, name: 'x'.repeat(201) }))?.message,
    ).toMatch(/longer than 200/);
    expect((await refusal('renameDataset', { datasetId: first!.id, name: 'a\u0000b' }))?.message).toMatch(
      /control character/,
    );
    const clash = await refusal('renameDataset', { datasetId: first!.id, name: second!.name });
    expect(clash).toMatchObject({
      code: 'ALREADY_EXISTS',
      message: `A dataset named "${second!.name}" already exists`,
    });
    for (const hostile of [
      { datasetId: 0, name: 'x' },
      { datasetId: '1', name: 'x' },
      { datasetId: 1 },
      null,
    ])
      expect(await refusal('renameDataset', hostile)).toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Renaming to its own name is not a clash.
    expect(
      await ok<DatasetSummary>('renameDataset', { datasetId: second!.id, name: second!.name }),
    ).toMatchObject({
      name: second!.name,
    });
  });

  it('deletes a dataset with its images, masks, edits and review state, and frees content no one uses', async () => {
    const store = services.projects.current()!;
    const [first, second] = await ok<DatasetSummary[]>('listDatasets');
    const images = await ok<ImageListItem[]>('listImages', { datasetId: first!.id });
    const img = images[0]!;
    await ok('saveMaskEdit', {
      imageId: img.id,
      mask: new Uint8Array(img.rows * img.cols).fill(1),
      tool: 'brush',
    });
    await ok('setReview', { imageId: img.id, status: 'accepted', note: 'fine' });
    await ok('updateImages', { imageIds: [img.id], addTags: ['look-again'] });
    const maskBlob = store.masks.latest(img.id, 'ground_truth')!;

    expect((await refusal('deleteDataset', { datasetId: 9999 }))?.code).toBe('NOT_FOUND');
    expect((await refusal('deleteDataset', { datasetId: -1 }))?.code).toBe('INVALID_ARGUMENT');

    const gone = await ok<DatasetDeletion>('deleteDataset', { datasetId: first!.id });
    expect(gone).toMatchObject({ datasetId: first!.id, name: first!.name, images: 4 });
    // The ground-truth masks were this dataset's alone; the pixels are shared with "second" and stay.
    expect(gone.bytesFreed).toBeGreaterThan(0);
    expect(store.content.has(maskBlob.blobHash)).toBe(false);
    const left = await ok<ImageListItem[]>('listImages', { datasetId: second!.id });
    expect(left).toHaveLength(4);
    for (const i of left) expect(store.content.has(store.images.get(i.id).pixelHash)).toBe(true);
    expect((await ok<DatasetSummary[]>('listDatasets')).map((d) => d.id)).toEqual([second!.id]);
    for (const table of ['masks', 'edits', 'edit_heads', 'review', 'review_log', 'image_tags'])
      expect(
        store.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE image_id = ?`, [img.id])!.n,
        table,
      ).toBe(0);
    expect((await refusal('getImage', { imageId: img.id }))?.code).toBe('NOT_FOUND');
  });

  it('deletes all or nothing: a reference it cannot remove rolls the whole deletion back', async () => {
    const store = services.projects.current()!;
    const [ds] = await ok<DatasetSummary[]>('listDatasets');
    const [img] = await ok<ImageListItem[]>('listImages', { datasetId: ds!.id });
    await ok('setReview', { imageId: img!.id, status: 'rejected' });
    // A row elsewhere that points at one of its images' review log, which deletion does not know about.
    store.db.exec('CREATE TABLE audit_probe (log_id INTEGER NOT NULL REFERENCES review_log(id))');
    const logId = store.db.get<{ id: number }>('SELECT id FROM review_log WHERE image_id = ?', [img!.id])!.id;
    store.db.run('INSERT INTO audit_probe (log_id) VALUES (?)', [logId]);

    const refused = await refusal('deleteDataset', { datasetId: ds!.id });
    expect(refused).toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect(refused?.message).toMatch(/cannot be deleted: .*nothing was deleted/);
    expect((await ok<DatasetSummary[]>('listDatasets'))[0]).toMatchObject({ id: ds!.id, imageCount: 4 });
    expect((await ok<ImageListItem[]>('listImages', { datasetId: ds!.id }))[0]).toMatchObject({
      id: img!.id,
      status: 'rejected',
    });
    store.db.exec('DROP TABLE audit_probe');
  });

  it('refuses to delete while a job runs', async () => {
    const EMPTY_IMPORT: ImportSummary = {
      datasetId: 0,
      dataset: '',
      imported: 0,
      duplicates: 0,
      withMasks: 0,
      stacks: 0,
      skipped: [],
      warnings: [],
    };
    const [ds] = await ok<DatasetSummary[]>('listDatasets');
    let release!: () => void;
    const job = services.jobs.start(
      'import',
      () => new Promise<ImportSummary>((r) => (release = () => r(EMPTY_IMPORT))),
    );
    try {
      expect(await refusal('deleteDataset', { datasetId: ds!.id })).toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: 'A import job is running: wait for it or cancel it, then delete the dataset',
      });
    } finally {
      release();
      await services.jobs.wait(job.jobId);
    }
    expect(existsSync(join(t.dir, 'p'))).toBe(true);
  });
});
