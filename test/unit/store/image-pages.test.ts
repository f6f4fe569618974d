// The paged image list (store/image-pages.ts): filters, search, order and the count, against what the
// whole-list code computes, and the migration that builds its search index for an existing project.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ProjectStore } from '../../../electron/store/project-store.js';
import { migrate } from '../../../electron/store/schema/migrations.js';
import { APP_VERSION, patternMask, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Two datasets: 6 DICOM slices of one series and 4 PNGs, with review, masks, tags and metrics. */
function seeded(): ProjectStore {
  const t = tempDir();
  const store = ProjectStore.create(join(t.dir, 'p'), { name: 'p', appVersion: APP_VERSION });
  cleanups.push(() => {
    store.close();
    t.cleanup();
  });
  const ct = store.datasets.add({ name: 'ct', role: 'transferal' });
  const us = store.datasets.add({ name: 'us', role: 'transferal' });
  for (let k = 0; k < 6; k++)
    store.images.addWithPixels(
      {
        datasetId: ct.id,
        rows: 4,
        cols: 4,
        channels: 1,
        dtype: 'uint8',
        source: { kind: 'dicom', path: `/data/ct/series_7/IM_${k}.dcm`, sliceIndex: k, caseId: 'pat-1' },
      },
      patternMask(16, k + 1),
    );
  for (const name of ['head_001.png', 'head_002.png', 'Lesion_A.png', 'C:\\scans\\win_100%.png'])
    store.images.addWithPixels(
      {
        datasetId: us.id,
        rows: 4,
        cols: 4,
        channels: 1,
        dtype: 'uint8',
        source: { kind: 'png', path: name.includes('\\') ? name : `/data/us/${name}` },
      },
      patternMask(16, name.length + 10),
    );
  return store;
}

describe('image pages', () => {
  it('pages in dataset then import order, with a count of all that match', () => {
    const store = seeded();
    const all = store.images.list();
    const p1 = store.imagePages.page({ limit: 4 });
    expect(p1.total).toBe(10);
    expect(p1.rows.map((r) => r.id)).toEqual(all.slice(0, 4).map((i) => i.id));
    const p2 = store.imagePages.page({ offset: 8, limit: 4 });
    expect(p2.rows.map((r) => r.id)).toEqual(all.slice(8).map((i) => i.id));
    expect(p2.offset).toBe(8);
    const ds = store.datasets.byName('us')!;
    expect(store.imagePages.page({ filter: { datasetId: ds.id } }).total).toBe(4);
  });

  it('reads review, masks, corrections and tags with each row', () => {
    const store = seeded();
    const [a, b, c] = store.images.list();
    store.review.set(a!.id, { state: 'accepted', flagged: true });
    store.masks.put(b!.id, { kind: 'ground_truth', pixels: patternMask(16, 3) });
    store.edits.append(c!.id, 'corrected', patternMask(16, 4), { tool: 'brush' });
    store.images.addTags([a!.id], ['zeta', 'alpha']);
    const rows = store.imagePages.page({ limit: 3 }).rows;
    expect(rows[0]).toMatchObject({ status: 'accepted', flagged: true, tags: ['alpha', 'zeta'] });
    expect(rows[1]).toMatchObject({ status: 'unreviewed', flagged: false, hasGroundTruth: true });
    expect(rows[2]).toMatchObject({ hasCorrection: true, hasGroundTruth: false, hasPseudoLabel: false });
    expect(store.imagePages.page({ filter: { status: 'accepted' } }).total).toBe(1);
    expect(store.imagePages.page({ filter: { status: 'unreviewed' } }).total).toBe(9);
    expect(store.imagePages.page({ filter: { flagged: true } }).rows.map((r) => r.id)).toEqual([a!.id]);
  });

  it('filters by split and inclusion', () => {
    const store = seeded();
    const ids = store.images.list().map((i) => i.id);
    store.images.setSplit(ids.slice(0, 3), 'train');
    store.images.setIncluded([ids[0]!, ids[9]!], false);
    expect(store.imagePages.page({ filter: { split: 'train' } }).total).toBe(3);
    expect(store.imagePages.page({ filter: { split: 'none' } }).total).toBe(7);
    expect(store.imagePages.page({ filter: { includeExcluded: false } }).total).toBe(8);
    expect(store.imagePages.page({ filter: { split: 'train', includeExcluded: false } }).total).toBe(2);
  });

  it('searches file names (not folders) and tags, in any case, by any part', () => {
    const store = seeded();
    const byName = (s: string) => store.imagePages.page({ search: s }).rows.map((r) => r.sourcePath);
    expect(byName('HEAD_00')).toEqual(['/data/us/head_001.png', '/data/us/head_002.png']);
    expect(byName('series')).toEqual([]); // a folder's name is not the image's
    expect(byName('win_100%')).toEqual(['C:\\scans\\win_100%.png']);
    expect(byName('IM_3')).toEqual(['/data/ct/series_7/IM_3.dcm']);
    // Short searches (under 3 characters) are not indexable: still found, and % or _ are literal.
    expect(byName('A.')).toEqual(['/data/us/Lesion_A.png']);
    expect(byName('0%')).toEqual(['C:\\scans\\win_100%.png']);
    expect(byName('"')).toEqual([]);
    expect(byName('"x" OR y')).toEqual([]); // a query-syntax lookalike is searched as text
    const img = store.images.list()[1]!;
    store.images.addTags([img.id], ['needs-review']);
    expect(store.imagePages.page({ search: 'NEEDS' }).rows.map((r) => r.id)).toEqual([img.id]);
    store.images.removeTags([img.id], ['needs-review']);
    expect(store.imagePages.page({ search: 'needs' }).total).toBe(0);
  });

  it('sorts by uncertainty: the latest disagreement, then entropy, the rest after in list order', () => {
    const store = seeded();
    const ids = store.images.list().map((i) => i.id);
    const put = (imageId: number, name: string, value: number) =>
      store.metrics.record([{ imageId, name, value }]);
    put(ids[1]!, 'teachers.disagreement', 0.9);
    put(ids[1]!, 'teachers.disagreement', 0.1); // the latest counts
    put(ids[2]!, 'teachers.disagreement', 0.5);
    put(ids[3]!, 'teachers.disagreement', 0.5);
    put(ids[3]!, 'teachers.entropy', 0.7);
    put(ids[7]!, 'teachers.disagreement', 0.99); // another dataset: after the first one's queue
    const order = store.imagePages.page({ sort: 'uncertainty' }).rows.map((r) => r.id);
    expect(order.slice(0, 4)).toEqual([ids[3], ids[2], ids[1], ids[7]]);
    expect(order.slice(4)).toEqual(ids.filter((id) => ![1, 2, 3, 7].map((k) => ids[k]).includes(id)));
  });

  it('bounds the page size and refuses bad filters', () => {
    const store = seeded();
    expect(store.imagePages.page({ limit: 5000 }).rows.length).toBe(10);
    expect(() => store.imagePages.page({ filter: { split: 'bogus' as 'train' } })).toThrow(/split/);
    expect(() => store.imagePages.page({ filter: { datasetId: -1 } })).toThrow(/dataset id/);
  });

  it('builds the search index of a project made before it (migration 5)', () => {
    const db = new Database(':memory:');
    migrate(db, 4);
    db.exec(`INSERT INTO datasets (id, name, role, created_at) VALUES (1, 'd', 'transferal', 'now');
      INSERT INTO images (id, dataset_id, rows, cols, channels, dtype, pixel_hash, source_kind, source_path, created_at)
        VALUES (1, 1, 1, 1, 1, 'uint8', 'h', 'png', '/a/b/scan_42.png', 'now');
      INSERT INTO image_tags (image_id, tag) VALUES (1, 'odd');`);
    migrate(db);
    expect(
      db.prepare('SELECT rowid, name, tags FROM image_search WHERE image_search MATCH \'"an_4"\'').all(),
    ).toEqual([{ rowid: 1, name: 'scan_42.png', tags: 'odd' }]);
    db.close();
  });
});
