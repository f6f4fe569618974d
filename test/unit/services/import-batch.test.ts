// ImportBatch: slices are stored a batch at a time (one blob batch, one transaction), at most one batch
// is written behind the reading, a wrong pixel count is refused naming the file, and a failed write is
// reported by the next call instead of being lost.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { ImportBatch } from '../../../electron/services/import-batch.js';
import { ProjectStore } from '../../../electron/store/project-store.js';
import type { NewImage } from '../../../electron/store/images.js';
import { tempDir } from '../../helpers/temp.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  cleanups.splice(0).forEach((c) => c());
});

function project(): { store: ProjectStore; datasetId: number } {
  const t = tempDir();
  const store = ProjectStore.create(join(t.dir, 'p'), { name: 'p', appVersion: 'test' });
  cleanups.push(() => {
    store.close();
    t.cleanup();
  });
  return { store, datasetId: store.datasets.add({ name: 'd', role: 'transferal' }).id };
}

function slice(datasetId: number, k: number): [Omit<NewImage, 'pixelHash'>, Uint8Array] {
  return [
    {
      datasetId,
      rows: 2,
      cols: 3,
      channels: 1,
      dtype: 'uint16',
      source: { kind: 'dicom', path: `/s/IM_${k}.dcm` },
    },
    new Uint8Array(12).fill(k + 1),
  ];
}

describe('ImportBatch', () => {
  it('stores full batches as the slices come, and the rest on flush', async () => {
    const { store, datasetId } = project();
    const batch = new ImportBatch(store, { slices: 3, bytes: 1e9 });
    const addMany = vi.spyOn(store.images, 'addMany');
    for (let k = 0; k < 7; k++) await batch.add(...slice(datasetId, k));
    await batch.flush();
    expect(addMany.mock.calls.map((c) => c[0].length)).toEqual([3, 3, 1]);
    expect(store.images.count({})).toBe(7);
    const img = store.images.list()[6]!;
    expect(img.source.path).toBe('/s/IM_6.dcm');
    expect([...store.images.pixels(img.id)]).toEqual(new Array(12).fill(7));
  });

  it('bounds a batch by bytes too, and stores ground-truth masks with their slices', async () => {
    const { store, datasetId } = project();
    const batch = new ImportBatch(store, { slices: 100, bytes: 24 });
    const addMany = vi.spyOn(store.images, 'addMany');
    for (let k = 0; k < 4; k++) await batch.add(...slice(datasetId, k), new Uint8Array(6).fill(255));
    await batch.flush();
    expect(addMany.mock.calls.map((c) => c[0].length)).toEqual([2, 2]);
    const ids = store.images.list().map((i) => i.id);
    expect(ids.map((id) => store.masks.latest(id, 'ground_truth') !== undefined)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('refuses a slice whose pixel bytes do not match its shape, naming its file', async () => {
    const { store, datasetId } = project();
    const batch = new ImportBatch(store);
    const [image] = slice(datasetId, 0);
    const err = await batch.add(image, new Uint8Array(11)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect((err as AppError).message).toMatch(/IM_0\.dcm: pixel data has 11 bytes, expected 12/);
  });

  it('reports a failed background write at the next call, and stores nothing of that batch', async () => {
    const { store, datasetId } = project();
    const batch = new ImportBatch(store, { slices: 2, bytes: 1e9 });
    vi.spyOn(store.content, 'putMany').mockRejectedValueOnce(new AppError(ErrorCode.IO_ERROR, 'disk full'));
    await batch.add(...slice(datasetId, 0));
    await batch.add(...slice(datasetId, 1)); // full: written in the background, which fails
    await batch.add(...slice(datasetId, 2));
    await expect(batch.add(...slice(datasetId, 3))).rejects.toThrow('disk full');
    expect(store.images.count({})).toBe(0);
  });
});
