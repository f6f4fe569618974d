// Every SQL statement the screens cause (opening a project, the Data grid's pages, filters and searches,
// the review queue, viewing, drawing and deciding on an image) is recorded as it runs through the AppApi,
// then explained: a full SCAN of a table that grows with the project (images and what hangs off them)
// fails the test, naming the statement and its plan. Walking an index in order (paging) is allowed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { Db, Params } from '../../../electron/store/sqlite.js';
import { testServices } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';
import { patternMask } from './helpers.js';

/** Tables with a row (or more) per image: a scan of one of these grows with the project. */
const LARGE = [
  'images',
  'image_tags',
  'image_search',
  'masks',
  'edits',
  'edit_heads',
  'review',
  'review_log',
  'metrics',
];

interface Recorded {
  sql: string;
  params: Params;
  screen: string;
}

/**
 * Statements allowed to scan, each with the reason: a search under 3 characters cannot use the trigram
 * index, so it reads the search table (names and tags only; its time at 50,000 images is in bench:scale).
 */
const ALLOWED: RegExp[] = [/WHERE name LIKE \? ESCAPE '\\' OR tags LIKE \? ESCAPE '\\'/];

const KEYWORDS = new Set(['where', 'left', 'inner', 'join', 'on', 'order', 'group', 'limit', 'using', 'set']);

/** The large tables a statement names, with the aliases it gives them ('FROM images i'): plans name aliases. */
function largeNames(sql: string): Set<string> {
  const names = new Set(LARGE);
  for (const t of LARGE)
    for (const m of sql.matchAll(new RegExp(`\\b${t}\\s+(?:AS\\s+)?([a-z]\\w*)`, 'gi')))
      if (!KEYWORDS.has(m[1]!.toLowerCase())) names.add(m[1]!);
  return names;
}

/** The plan's full-table scans of large tables (a SCAN not through an index), as plan lines. */
function badScans(db: Db, sql: string, params: Params): string[] {
  const plan = db.raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as unknown[]) as { detail: string }[];
  const large = largeNames(sql);
  return plan
    .map((p) => p.detail)
    .filter((d) => {
      const m = /^SCAN (\w+)(.*)$/.exec(d);
      if (!m || !large.has(m[1]!)) return false;
      // 'USING INDEX' / 'COVERING INDEX': an ordered walk (paging stops at its LIMIT) or an index-only
      // count; 'VIRTUAL TABLE INDEX n:M': the full-text index answering a MATCH.
      return !/USING (COVERING )?INDEX|VIRTUAL TABLE INDEX \d+:M/.test(m[2]!);
    });
}

describe('query plans of the screens', () => {
  const t = tempDir();
  let services: AppServices;
  const recorded: Recorded[] = [];
  let screen = '';

  beforeAll(async () => {
    services = testServices(join(t.dir, 'ud'));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    const store = services.projects.require();
    // A small project with every kind of row: images in two datasets, masks, metrics, tags, reviews.
    const ct = store.datasets.add({ name: 'ct', role: 'transferal' });
    const us = store.datasets.add({ name: 'us', role: 'transferal' });
    const teacher = store.teachers.add({ name: 't', kind: 'masks', card: {} });
    for (let k = 0; k < 12; k++) {
      const img = store.images.addWithPixels(
        {
          datasetId: k < 8 ? ct.id : us.id,
          rows: 8,
          cols: 8,
          channels: 1,
          dtype: 'uint8',
          source: { kind: 'png', path: `/data/img_${k}.png`, caseId: `case-${k % 4}` },
        },
        patternMask(64, k + 1),
      );
      store.masks.put(img.id, { kind: 'pseudo_label', pixels: patternMask(64, k + 2) });
      store.masks.put(img.id, { kind: 'probability', teacherId: teacher.id, pixels: patternMask(64, k + 3) });
      store.metrics.record([
        { imageId: img.id, name: 'teachers.disagreement', value: k / 12 },
        { imageId: img.id, name: 'teachers.entropy', value: 1 - k / 12 },
      ]);
    }
    const first = store.images.list({ datasetId: ct.id })[0]!.id;
    // Every statement from here on is the screens'.
    for (const method of ['get', 'all', 'run'] as const) {
      const original = store.db[method].bind(store.db) as (sql: string, params?: Params) => unknown;
      vi.spyOn(store.db, method).mockImplementation(((sql: string, params: Params = []) => {
        recorded.push({ sql, params, screen });
        return original(sql, params);
      }) as never);
    }
    const api = services.api;
    const as = async (name: string, fn: () => Promise<unknown>) => {
      screen = name;
      await fn();
    };
    await as('open project', async () => {
      await api.closeProject();
      await api.openProject({ path: join(t.dir, 'p') });
      const reopened = services.projects.require();
      for (const method of ['get', 'all', 'run'] as const) {
        const original = reopened.db[method].bind(reopened.db) as (sql: string, params?: Params) => unknown;
        vi.spyOn(reopened.db, method).mockImplementation(((sql: string, params: Params = []) => {
          recorded.push({ sql, params, screen });
          return original(sql, params);
        }) as never);
      }
      await api.getCurrentProject();
      await api.listDatasets();
    });
    await as('data grid', async () => {
      await api.listImagesPage({ limit: 100 });
      await api.listImagesPage({ offset: 5, limit: 5, filter: { datasetId: ct.id } });
      await api.listImagesPage({ filter: { status: 'unreviewed', split: 'none', includeExcluded: false } });
      await api.listImagesPage({ filter: { datasetId: us.id, split: 'train', flagged: true } });
      await api.listImagesPage({ search: 'img_1' });
      await api.listImagesPage({ search: 'g_' });
      await api.getThumbnails({ imageIds: [first], size: 96 });
      await api.updateImages({ imageIds: [first], included: false, addTags: ['odd'] });
      await api.updateImages({ imageIds: [first], included: true, removeTags: ['odd'] });
    });
    await as('review', async () => {
      await api.listImagesPage({ sort: 'uncertainty', filter: { datasetId: ct.id, status: 'unreviewed' } });
      await api.listImagesPage({ sort: 'uncertainty' });
      await api.getImage({ imageId: first });
      await api.getMasks({ imageId: first });
      await api.saveMaskEdit({ imageId: first, mask: patternMask(64, 9), tool: 'brush' });
      await api.undoMaskEdit({ imageId: first });
      await api.redoMaskEdit({ imageId: first });
      await api.setReview({ imageId: first, status: 'accepted', flagged: true, note: 'ok' });
    });
    // The whole-list call the screens made before listImagesPage (still used by Evaluate).
    await as('image list', async () => {
      await api.listImages({ datasetId: ct.id });
      await api.listImages({ datasetId: ct.id, order: 'uncertainty', status: 'unreviewed' });
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await services.dispose();
    t.cleanup();
  });

  it('records the screens’ statements', () => {
    const screens = new Set(recorded.map((r) => r.screen));
    expect([...screens].sort()).toEqual(['data grid', 'image list', 'open project', 'review']);
    expect(recorded.length).toBeGreaterThan(30);
  });

  it('scans no large table in full', () => {
    const db = services.projects.require().db;
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const r of recorded) {
      if (seen.has(r.sql) || /^\s*(INSERT|PRAGMA)/i.test(r.sql) || ALLOWED.some((a) => a.test(r.sql)))
        continue;
      seen.add(r.sql);
      const bad = badScans(db, r.sql, r.params);
      if (bad.length) problems.push(`[${r.screen}] ${r.sql.replace(/\s+/g, ' ')}\n    ${bad.join('\n    ')}`);
    }
    expect(seen.size).toBeGreaterThan(15);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('would catch a scan: the check itself is not blind', () => {
    const db = services.projects.require().db;
    expect(badScans(db, 'SELECT * FROM images WHERE rows = ?', [8])).toEqual(['SCAN images']);
    expect(badScans(db, 'SELECT * FROM images WHERE id = ?', [1])).toEqual([]);
    expect(badScans(db, 'SELECT i.id FROM images i WHERE i.rows = ?', [8])).toEqual(['SCAN i']);
  });
});
