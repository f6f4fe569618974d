// listDatasets says how many of each dataset's images are alone in their case (the Data screen warns
// before splitting by case when nearly all are): no case, or the only image of its case, per dataset.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ProjectStore } from '../../../electron/store/project-store.js';
import { loneImagesByDataset } from '../../../electron/services/curation-service.js';
import { APP_VERSION, patternMask, tempDir } from '../store/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('loneImagesByDataset', () => {
  it('counts images without a case and single-image cases, per dataset, in one query', () => {
    const t = tempDir();
    const store = ProjectStore.create(join(t.dir, 'p'), { name: 'p', appVersion: APP_VERSION });
    cleanups.push(() => {
      store.close();
      t.cleanup();
    });
    const add = (datasetId: number, k: number, caseId: string | null) =>
      store.images.addWithPixels(
        {
          datasetId,
          rows: 4,
          cols: 4,
          channels: 1,
          dtype: 'uint8',
          source: { kind: 'png', path: `/d/${datasetId}/${k}.png`, caseId },
        },
        patternMask(16, k + 1),
      );
    const a = store.datasets.add({ name: 'a', role: 'transferal' });
    const b = store.datasets.add({ name: 'b', role: 'transferal' });
    const empty = store.datasets.add({ name: 'empty', role: 'transferal' });
    // a: two without a case, p1 twice, p2 once -> 3 alone
    [null, null, 'p1', 'p1', 'p2'].forEach((c, k) => add(a.id, k, c));
    // b: the same case name as in a counts within b only -> p2 alone, q twice -> 1
    ['p2', 'q', 'q'].forEach((c, k) => add(b.id, k, c));
    const lone = loneImagesByDataset(store);
    expect(lone.get(a.id)).toBe(3);
    expect(lone.get(b.id)).toBe(1);
    expect(lone.get(empty.id)).toBeUndefined();
  });
});
