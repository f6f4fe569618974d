import { afterEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { patternMask, projectWithImage, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function setup() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const r = projectWithImage(t.dir, 4, 4);
  cleanups.unshift(() => r.store.close());
  return r;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  return 'no error';
}

describe('repositories', () => {
  it('jobs move queued -> running -> final, refuse illegal moves, and keep progress with its cursor', () => {
    const { store } = setup();
    const job = store.jobs.create('training', { epochs: 5 });
    expect(code(() => store.jobs.progress(job.id, { done: 1 }))).toBe(ErrorCode.FAILED_PRECONDITION);
    store.jobs.start(job.id);
    expect(code(() => store.jobs.start(job.id))).toBe(ErrorCode.FAILED_PRECONDITION);
    store.jobs.progress(job.id, { done: 2, total: 5, phase: 'epoch', cursor: { epoch: 2 } });
    store.jobs.progress(job.id, { done: 3 });
    expect(store.jobs.get(job.id)).toMatchObject({ done: 3, total: 5, phase: 'epoch', cursor: { epoch: 2 } });
    const failed = store.jobs.finish(job.id, 'failed', { code: 'IO_ERROR', message: 'disk full' });
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'IO_ERROR', message: 'disk full' } });
    expect(code(() => store.jobs.finish(job.id, 'succeeded'))).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(store.jobs.list({ state: 'failed' }).map((j) => j.id)).toEqual([job.id]);
    expect(store.jobs.list({ kind: 'inference' })).toEqual([]);
  });

  it('review changes are kept as an audit log; state filters include never-reviewed images', () => {
    const { store, image } = setup();
    const other = store.images.addWithPixels(
      {
        datasetId: image.datasetId,
        rows: 4,
        cols: 4,
        channels: 1,
        dtype: 'uint8',
        source: { kind: 'png', path: '/b.png' },
      },
      new Uint8Array(16),
    );
    expect(store.review.get(image.id)).toMatchObject({ state: 'unreviewed', updatedAt: null });
    store.review.set(image.id, { state: 'rejected' });
    store.review.set(image.id, { flagged: true, note: 'blurry' });
    store.review.set(image.id, { state: 'accepted' });
    expect(store.review.get(image.id)).toMatchObject({ state: 'accepted', flagged: true, note: 'blurry' });
    expect(store.review.log(image.id).map((l) => [l.state, l.flagged, l.note])).toEqual([
      ['rejected', false, ''],
      ['rejected', true, 'blurry'],
      ['accepted', true, 'blurry'],
    ]);
    expect(store.review.list({ flagged: true }).map((r) => r.imageId)).toEqual([image.id]);
    expect(store.review.list({ state: 'unreviewed' }).map((r) => r.imageId)).toEqual([other.id]);
    expect(store.review.counts()).toMatchObject({ accepted: 1, unreviewed: 1, rejected: 0 });
    expect(code(() => store.review.set(999, { state: 'accepted' }))).toBe(ErrorCode.NOT_FOUND);
  });

  it('images: split, include, tags, paging; pixel size checked against shape', () => {
    const { store, image } = setup();
    const ds = image.datasetId;
    const many = store.images.addMany(
      Array.from({ length: 5 }, (_, i) => ({
        datasetId: ds,
        rows: 4,
        cols: 4,
        channels: 1,
        dtype: 'uint8' as const,
        pixelHash: image.pixelHash,
        source: { kind: 'nifti' as const, path: '/vol.nii.gz', sliceIndex: i, caseId: 'case-9' },
      })),
    );
    expect(many.map((m) => m.source.sliceIndex)).toEqual([0, 1, 2, 3, 4]);
    store.images.setSplit(
      many.map((m) => m.id),
      'test',
    );
    store.images.setIncluded([many[0]!.id], false);
    store.images.addTags([many[1]!.id, many[2]!.id], ['lesion']);
    store.images.removeTags([many[2]!.id], ['lesion']);
    expect(store.images.count({ split: 'test', included: true })).toBe(4);
    expect(store.images.count({ split: null })).toBe(1);
    expect(store.images.list({ tag: 'lesion' }).map((i) => i.id)).toEqual([many[1]!.id]);
    expect(
      store.images.list({ caseId: 'case-9', limit: 2, offset: 1 }).map((i) => i.source.sliceIndex),
    ).toEqual([1, 2]);
    expect(code(() => store.images.setSplit([many[0]!.id], 'holdout' as never))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(code(() => store.images.setSplit([many[0]!.id, 4242], 'train'))).toBe(ErrorCode.NOT_FOUND);
    expect(store.images.get(many[0]!.id).split).toBe('test'); // the failed batch changed nothing
    const base = {
      datasetId: ds,
      rows: 4,
      cols: 4,
      channels: 1,
      dtype: 'uint16' as const,
      source: { kind: 'raw' as const, path: '/r' },
    };
    expect(code(() => store.images.addWithPixels(base, new Uint8Array(16)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(store.images.addWithPixels(base, new Uint8Array(32)).dtype).toBe('uint16');
    expect(code(() => store.images.add({ ...base, pixelHash: 'f'.repeat(64) }))).toBe(ErrorCode.NOT_FOUND);
  });

  it('masks keep every teacher\u2019s newest probability map and their provenance', () => {
    const { store, image } = setup();
    const t1 = store.teachers.add({ name: 'a', kind: 'onnx', card: {} });
    const t2 = store.teachers.add({ name: 'b', kind: 'tfjs', card: {} });
    store.masks.put(image.id, { kind: 'probability', pixels: patternMask(16, 1), teacherId: t1.id });
    const newer = store.masks.put(image.id, {
      kind: 'probability',
      pixels: patternMask(16, 2),
      teacherId: t1.id,
      jobId: 7,
    });
    const other = store.masks.put(image.id, {
      kind: 'probability',
      pixels: patternMask(16, 3),
      teacherId: t2.id,
    });
    expect(store.masks.probabilityMaps(image.id).map((m) => m.id)).toEqual([newer.id, other.id]);
    expect(store.masks.read(newer.id)).toEqual(patternMask(16, 2));
    expect(store.masks.list(image.id, 'probability')).toHaveLength(3);
    expect(
      code(() =>
        store.masks.put(image.id, { kind: 'probability', pixels: patternMask(16, 1), teacherId: 99 }),
      ),
    ).toBe(ErrorCode.NOT_FOUND);
    expect(code(() => store.teachers.add({ name: 'a', kind: 'onnx', card: {} }))).toBe(
      ErrorCode.ALREADY_EXISTS,
    );
  });
});
