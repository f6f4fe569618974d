// listImagesPage through dispatch(): the same items as listImages, a page at a time, and its arguments
// checked at the boundary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServices } from '../../../electron/services/app-services.js';
import { dispatch } from '../../../electron/services/dispatch.js';
import type { ImageListItem, ImagePage } from '../../../shared/dto.js';
import { replyValue, servicesWithImportedProject } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';
import { copyBusBra } from '../../helpers/data.js';

describe('listImagesPage', () => {
  const t = tempDir();
  copyBusBra(t.dir, 5);
  let services: AppServices;
  let all: ImageListItem[];
  const call = (m: string, ...a: unknown[]) => dispatch(services.api, m, a, services.log);

  beforeAll(async () => {
    services = await servicesWithImportedProject(t.dir);
    all = replyValue(await call('listImages', {}));
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('lists what listImages lists, a page at a time', async () => {
    expect(all.length).toBe(5);
    const first = replyValue<ImagePage>(await call('listImagesPage', { limit: 3 }));
    const rest = replyValue<ImagePage>(await call('listImagesPage', { offset: 3, limit: 3 }));
    expect(first.total).toBe(5);
    expect([...first.items, ...rest.items]).toEqual(all);
  });

  it('filters and searches as the Data screen does', async () => {
    const target = all[2]!;
    await services.api.setReview({ imageId: target.id, status: 'accepted' });
    const accepted = replyValue<ImagePage>(await call('listImagesPage', { filter: { status: 'accepted' } }));
    expect(accepted.items.map((i) => i.id)).toEqual([target.id]);
    const found = replyValue<ImagePage>(
      await call('listImagesPage', { search: target.name.slice(2, 8).toUpperCase() }),
    );
    expect(found.items.map((i) => i.id)).toContain(target.id);
  });

  it('refuses malformed arguments with the field named', async () => {
    for (const bad of [
      { limit: 0 },
      { limit: 1001 },
      { filter: { split: 'x' } },
      { sort: 'size' },
      { zz: 1 },
    ]) {
      const r = await call('listImagesPage', bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_ARGUMENT');
    }
  });
});
