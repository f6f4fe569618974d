// Results kept in the project: evaluations (with every per-image row) and transfer runs, read back as
// written, newest first; kept after their dataset is gone; present in a project migrated from schema 2.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { EvaluationReport } from '../../../shared/dto.js';
import type { TransferSpec, TransferSummary } from '../../../shared/transfer.js';
import { PROJECT_DB_FILE, ProjectStore } from '../../../electron/store/project-store.js';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from '../../../electron/store/schema/migrations.js';
import { APP_VERSION, projectWithImage, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function temp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const summary = {
  n: 2,
  dice_mean: 0.5,
  iou_mean: 0.4,
  precision_mean: 0.6,
  recall_mean: 0.7,
  hd95_px_mean: 3.5,
  hd95_px_n: 2,
  hd95_mm_mean: null,
  hd95_mm_n: 0,
  conventions: 'Dice = 1 when both are empty',
};
const row = (name: string, dice: number, imageId?: number) => ({
  case: name,
  ...(imageId !== undefined ? { imageId } : {}),
  dice,
  iou: dice / 2,
  precision: 1,
  recall: 0.25,
  hd95_px: dice ? 4 : null,
  hd95_mm: null,
  truth_pixels: 10,
  pred_pixels: 12,
});

function report(datasetId: number, imageId: number): EvaluationReport {
  return {
    datasetId,
    images: 2,
    sources: [
      { source: 'teacher: b', summary, cases: [row('b.png', 0.25, imageId), row('a.png', NaN)] },
      { source: 'fused pseudo-label', summary, cases: [row('b.png', 0.75, imageId), row('a.png', 0)] },
    ],
  };
}

describe('kept evaluations', () => {
  it('reads an evaluation back as written (source order, row order, NaN), listed newest first', () => {
    const { store, image } = projectWithImage(temp());
    const first = store.evaluations.add({
      report: report(image.datasetId, image.id),
      datasetName: 'transferal',
      settings: { datasetId: image.datasetId, split: 'test' },
    });
    expect(first).toMatchObject({ datasetName: 'transferal', settings: { split: 'test' } });
    expect(store.evaluations.get(first.id)).toEqual({
      ...report(image.datasetId, image.id),
      id: first.id,
      datasetName: 'transferal',
      settings: { datasetId: image.datasetId, split: 'test' },
      createdAt: first.createdAt,
    });
    const second = store.evaluations.add({
      report: report(image.datasetId, image.id),
      datasetName: 'transferal',
      settings: { datasetId: image.datasetId },
    });
    const list = store.evaluations.list();
    expect(list.map((e) => e.id)).toEqual([second.id, first.id]);
    expect(list[1]!.sources).toEqual([
      { source: 'teacher: b', summary },
      { source: 'fused pseudo-label', summary },
    ]);
    expect(() => store.evaluations.get(second.id + 1)).toThrow(/No evaluation with id/);
    store.close();
  });

  it('detaches an evaluation from its deleted dataset: ids taken again by a new import do not claim it', () => {
    const { store, image } = projectWithImage(temp());
    const kept = store.evaluations.add({
      report: report(image.datasetId, image.id),
      datasetName: 'transferal',
      settings: { datasetId: image.datasetId },
    });
    store.datasets.remove(image.datasetId);
    // The newest dataset and image deleted, a new import takes their ids again (plain INTEGER PRIMARY KEY).
    const next = store.datasets.add({ name: 'later', role: 'test' });
    const nextImage = store.images.addWithPixels(
      {
        datasetId: next.id,
        rows: 32,
        cols: 48,
        channels: 1,
        dtype: 'uint8',
        spacing: [1, 1],
        source: { kind: 'png', path: '/data/later.png', caseId: 'later' },
      },
      new Uint8Array(32 * 48),
    );
    expect([next.id, nextImage.id]).toEqual([image.datasetId, image.id]);
    // Still listed and opened under its own name, with its numbers, pointing at nothing of the new data.
    const [listed] = store.evaluations.list();
    expect(listed).toMatchObject({ id: kept.id, datasetId: null, datasetName: 'transferal', images: 2 });
    expect(store.evaluations.list().filter((e) => e.datasetId === next.id)).toEqual([]);
    const opened = store.evaluations.get(kept.id);
    expect(opened.datasetId).toBeNull();
    expect(opened.sources.map((s) => s.cases.map((c) => [c.case, c.dice, c.imageId]))).toEqual([
      [
        ['b.png', 0.25, undefined],
        ['a.png', NaN, undefined],
      ],
      [
        ['b.png', 0.75, undefined],
        ['a.png', 0, undefined],
      ],
    ]);
    store.close();
  });

  it('keeps transfer runs with spec, folder, summary and report', () => {
    const { store } = projectWithImage(temp());
    const spec = { name: 'st', out: '/runs/a', seed: 3 } as unknown as TransferSpec;
    const result = {
      name: 'st',
      out: '/runs/a',
      test: { images: 4, scores: [{ source: 'st', kind: 'student', n: 4, dice: 0.8, iou: 0.7, hd95Px: 2 }] },
      report: { html: '/runs/a/report.html', json: '/runs/a/metrics.json', csv: '/runs/a/metrics.csv' },
    } as unknown as TransferSummary;
    const a = store.transferRuns.add(spec, result);
    const b = store.transferRuns.add(spec, { ...result, name: 'st2' });
    expect(store.transferRuns.list().map((r) => r.name)).toEqual(['st2', 'st']);
    expect(store.transferRuns.get(a.id)).toEqual({
      id: a.id,
      name: 'st',
      out: '/runs/a',
      createdAt: a.createdAt,
      spec,
      summary: result,
      report: '/runs/a/report.html',
    });
    expect(b.id).toBeGreaterThan(a.id);
    store.close();
  });

  it('migrates a schema-2 project: its data kept, results can be kept in it', () => {
    const dir = temp();
    const old = new Database(join(dir, PROJECT_DB_FILE));
    old.pragma(`application_id = ${APPLICATION_ID}`);
    expect(migrate(old, 2)).toEqual([1, 2]);
    old.exec(`
      INSERT INTO project_meta VALUES ('id', 'x'), ('name', 'Two'), ('created_at', '2026-01-01T00:00:00.000Z'),
        ('created_with_app_version', '0.1.0'), ('last_opened_with_app_version', '0.1.0');
      INSERT INTO datasets (id, name, role, created_at) VALUES (1, 'ds', 'test', '2026-01-01T00:00:00.000Z');
    `);
    old.close();
    const store = ProjectStore.open(dir, { appVersion: APP_VERSION });
    expect(store.opened.migratedFrom).toBe(2);
    expect(store.info().schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.datasets.get(1).name).toBe('ds');
    expect(store.evaluations.list()).toEqual([]);
    expect(store.transferRuns.list()).toEqual([]);
    const kept = store.evaluations.add({
      report: report(1, 7),
      datasetName: 'ds',
      settings: { datasetId: 1 },
    });
    store.close();
    const again = ProjectStore.open(dir, { appVersion: APP_VERSION });
    expect(again.opened.migratedFrom).toBeNull();
    expect(again.evaluations.get(kept.id).sources[0]!.cases[0]).toMatchObject({ case: 'b.png', imageId: 7 });
    again.close();
  });
});
