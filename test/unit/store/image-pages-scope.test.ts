// The review queue's scope in the paged image list: "pseudo-labelled only" is answered by the database,
// with the count, in the uncertainty order the queue uses, and bad filter values are refused.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ProjectStore } from '../../../electron/store/project-store.js';
import { imagePageSql } from '../../../electron/store/image-pages.js';
import { APP_VERSION, patternMask, tempDir } from './helpers.js';
import { apiArgSchemas } from '../../../shared/api-schema.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function storeWith(n: number): { store: ProjectStore; ids: number[] } {
  const t = tempDir();
  const store = ProjectStore.create(join(t.dir, 'p'), { name: 'p', appVersion: APP_VERSION });
  cleanups.push(() => {
    store.close();
    t.cleanup();
  });
  const ds = store.datasets.add({ name: 'us', role: 'transferal' });
  const ids = Array.from(
    { length: n },
    (_, k) =>
      store.images.addWithPixels(
        {
          datasetId: ds.id,
          rows: 4,
          cols: 4,
          channels: 1,
          dtype: 'uint8',
          source: { kind: 'png', path: `/d/${k}.png` },
        },
        patternMask(16, k + 1),
      ).id,
  );
  return { store, ids };
}

describe('image pages: pseudo-labelled scope', () => {
  it('lists only the images with a pseudo-label, or only those without, and counts them', () => {
    const { store, ids } = storeWith(6);
    for (const id of [ids[1]!, ids[4]!, ids[5]!])
      store.masks.put(id, { kind: 'pseudo_label', pixels: patternMask(16, 2) });
    // A second labelling of the same image does not list it twice.
    store.masks.put(ids[4]!, { kind: 'pseudo_label', pixels: patternMask(16, 3) });
    const labelled = store.imagePages.page({ filter: { pseudoLabelled: true } });
    expect(labelled.total).toBe(3);
    expect(labelled.rows.map((r) => r.id)).toEqual([ids[1], ids[4], ids[5]]);
    expect(labelled.rows.every((r) => r.hasPseudoLabel)).toBe(true);
    expect(store.imagePages.page({ filter: { pseudoLabelled: false } }).total).toBe(3);
    expect(store.imagePages.page({}).total).toBe(6);
  });

  it('keeps the uncertainty order within the scope, most uncertain first', () => {
    const { store, ids } = storeWith(4);
    for (const id of ids) store.masks.put(id, { kind: 'pseudo_label', pixels: patternMask(16, 2) });
    const dis = [0.1, 0.9, 0.5, 0.7];
    store.metrics.record(ids.map((imageId, k) => ({ imageId, name: 'dis', value: dis[k]! })));
    const page = store.imagePages.page({
      filter: { pseudoLabelled: true },
      sort: 'uncertainty',
      uncertainty: { disagreement: 'dis', entropy: 'ent' },
    });
    expect(page.rows.map((r) => r.id)).toEqual([ids[1], ids[3], ids[2], ids[0]]);
  });

  it('looks the pseudo-labels up by the masks index', () => {
    const { store } = storeWith(1);
    const { count } = imagePageSql({ filter: { pseudoLabelled: true } });
    const plan = store.db.raw
      .prepare(`EXPLAIN QUERY PLAN ${count.sql}`)
      .all(...count.params)
      .map((r) => (r as { detail: string }).detail)
      .join('\n');
    expect(plan).toMatch(/masks_image/);
  });

  it('refuses a scope that is not a boolean', () => {
    const parse = (filter: unknown) => apiArgSchemas.listImagesPage.safeParse([{ filter }]).success;
    expect(parse({ pseudoLabelled: true })).toBe(true);
    expect(parse({ pseudoLabelled: 'yes' })).toBe(false);
    expect(parse({ pseudoLabelled: 1 })).toBe(false);
  });
});
