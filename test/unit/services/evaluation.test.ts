// Evaluation inside a project: real BUS-BRA images and masks, two real ONNX teachers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { SavedEvaluation } from '../../../shared/dto.js';
import { testServices } from '../../helpers/services.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';
import { copyBusBra } from '../../helpers/data.js';

/** Dice written out plainly, as the reference: 2|A∩B| / (|A| + |B|), 1 when both are empty. */
function dice(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return na + nb === 0 ? 1 : (2 * inter) / (na + nb);
}

describe('evaluating a dataset', () => {
  const t = tempDir();
  let services: AppServices;
  let datasetId: number;
  let report: SavedEvaluation;

  beforeAll(async () => {
    const { images, masks } = copyBusBra(t.dir, 4);
    services = testServices(join(t.dir, 'ud'));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    await services.jobs.wait(
      (await services.api.importImages({ path: images, dataset: 'test', masksPath: masks })).jobId,
    );
    datasetId = (await services.api.listDatasets())[0]!.id;
    for (const card of ['unet-busi', 'resunet-busi'])
      await services.api.importTeacher({ path: join(SHARED_DIR, 'teachers', `${card}.json`) });
    const teacherIds = (await services.api.listTeachers()).map((x) => x.id);
    await services.jobs.wait((await services.api.runPseudoLabels({ teacherIds, datasetId })).jobId);
    report = await services.api.evaluateDataset({ datasetId });
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('scores every teacher, the fused label and the reviewed masks on every image', () => {
    expect(report.images).toBe(4);
    expect(report.sources.map((s) => s.source)).toEqual([
      'teacher: unet-busi',
      'teacher: resunet-busi',
      'fused pseudo-label',
      'reviewed',
    ]);
    for (const s of report.sources) {
      expect(s.cases).toHaveLength(4);
      expect(s.summary.n).toBe(4);
      expect(s.summary.conventions).toMatch(/both empty/);
    }
  });

  it("matches a plain Dice of each teacher's thresholded map against the ground truth", async () => {
    const store = services.projects.require();
    const unet = store.teachers.list().find((x) => x.name === 'unet-busi')!;
    const images = store.images.list({ datasetId });
    const rows = report.sources.find((s) => s.source === 'teacher: unet-busi')!.cases;
    images.forEach((img, k) => {
      const gt = store.masks.read(store.masks.latest(img.id, 'ground_truth')!);
      const prob = store.masks.read(store.masks.latest(img.id, 'probability', unet.id)!);
      expect(rows[k]!.dice).toBeCloseTo(
        dice(
          prob.map((q) => (q >= 128 ? 1 : 0)),
          gt,
        ),
        10,
      );
    });
  });

  it('scores a correction instead of the pseudo-label once a person has drawn one', async () => {
    const store = services.projects.require();
    const [img] = store.images.list({ datasetId });
    const gt = store.masks.read(store.masks.latest(img!.id, 'ground_truth')!);
    await services.api.saveMaskEdit({ imageId: img!.id, mask: gt, tool: 'replace-with-truth' });
    const after = await services.api.evaluateDataset({ datasetId });
    expect(after.sources.find((s) => s.source === 'reviewed')!.cases[0]!.dice).toBe(1);
  });

  it('writes a self-contained HTML report with the summary and the per-image Dice', async () => {
    const { readFileSync } = await import('node:fs');
    const { path } = await services.api.saveReport({ datasetId, outFile: join(t.dir, 'report.html') });
    const html = readFileSync(path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('teacher: unet-busi');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src="http/);
    expect((html.match(/<tr><td>bus_/g) ?? []).length).toBe(4);
    await expect(
      services.api.saveReport({ datasetId, outFile: join(t.dir, 'nope', 'r.html') }),
    ).rejects.toThrow(/does not exist/);
  });

  it('keeps every evaluation in the project: settings, date, summary and rows survive a reopen', async () => {
    const before = Date.now();
    const kept = await services.api.evaluateDataset({ datasetId });
    expect(kept.datasetName).toBe('test');
    expect(kept.settings).toEqual({ datasetId });
    expect(Date.parse(kept.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    // Closed and opened again (as after a restart): listed newest first, with the same table.
    const dir = services.projects.require().dir;
    await services.api.closeProject();
    await services.api.openProject({ path: dir });
    const list = await services.api.listEvaluations();
    expect(list.map((e) => e.id)).toEqual([...list.map((e) => e.id)].sort((a, b) => b - a));
    expect(list.map((e) => e.id)).toContain(report.id);
    expect(list[0]).toMatchObject({ id: kept.id, datasetId, datasetName: 'test', images: 4 });
    expect(list[0]!.sources.map((s) => s.source)).toEqual(kept.sources.map((s) => s.source));
    expect(await services.api.getEvaluation({ evaluationId: kept.id })).toEqual(kept);
    expect(await services.api.getEvaluation({ evaluationId: report.id })).toEqual(report);
    await expect(services.api.getEvaluation({ evaluationId: 999_999 })).rejects.toThrow(
      /No evaluation with id 999999/,
    );
  });

  it('refuses a dataset without ground truth, saying why', async () => {
    const { images } = copyBusBra(join(t.dir, 'nogt'), 1, { masks: false });
    await services.jobs.wait((await services.api.importImages({ path: images, dataset: 'unlabeled' })).jobId);
    const ds = (await services.api.listDatasets()).find((d) => d.name === 'unlabeled')!;
    await expect(services.api.evaluateDataset({ datasetId: ds.id })).rejects.toThrow(/ground truth/);
  });
});
