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
    const { path } = await services.api.saveReport({
      evaluationId: report.id,
      outFile: join(t.dir, 'report.html'),
    });
    const html = readFileSync(path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('teacher: unet-busi');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src="http/);
    expect((html.match(/<tr><td>bus_/g) ?? []).length).toBe(4);
    expect(html).toContain('all its images with ground truth');
    await expect(
      services.api.saveReport({ evaluationId: report.id, outFile: join(t.dir, 'nope', 'r.html') }),
    ).rejects.toThrow(/does not exist/);
  });

  it('reports the evaluation shown, on its split: the same images and numbers, the split named', async () => {
    const { readFileSync } = await import('node:fs');
    const store = services.projects.require();
    const [first, second] = store.images.list({ datasetId });
    store.images.setSplit([first!.id, second!.id], 'test');
    const onTest = await services.api.evaluateDataset({ datasetId, split: 'test' });
    expect(onTest.images).toBe(2);
    const { path } = await services.api.saveReport({
      evaluationId: onTest.id,
      outFile: join(t.dir, 'report-test.html'),
    });
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('the test split: 2 images with ground truth');
    const rows = html.match(/<tr><td>bus_[^<]*<\/td>/g) ?? [];
    expect(rows.map((r) => r.slice('<tr><td>'.length, -'</td>'.length))).toEqual(
      onTest.sources[0]!.cases.map((c) => c.case),
    );
    for (const s of onTest.sources) expect(html).toContain(`<td>${s.summary.dice_mean.toFixed(3)}</td>`);
    await expect(
      services.api.saveReport({ evaluationId: 999_999, outFile: join(t.dir, 'r.html') }),
    ).rejects.toThrow(/No evaluation with id 999999/);
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

  it('keeps an evaluation of a deleted dataset apart from a later import that takes the same ids', async () => {
    const evaluateNewDataset = async (name: string) => {
      const { images, masks } = copyBusBra(join(t.dir, name), 2);
      await services.jobs.wait(
        (await services.api.importImages({ path: images, dataset: name, masksPath: masks })).jobId,
      );
      const ds = (await services.api.listDatasets()).find((d) => d.name === name)!;
      const imageIds = (await services.api.listImages({ datasetId: ds.id })).map((i) => i.id);
      const store = services.projects.require();
      // A reviewed mask per image gives the evaluation a source without running the teachers.
      for (const imageId of imageIds) {
        const mask = store.masks.read(store.masks.latest(imageId, 'ground_truth')!);
        await services.api.saveMaskEdit({ imageId, mask, tool: 'replace-with-truth' });
      }
      return { ds, imageIds, evaluation: await services.api.evaluateDataset({ datasetId: ds.id }) };
    };
    const gone = await evaluateNewDataset('gone');
    expect(gone.evaluation.sources[0]!.cases.map((c) => c.imageId)).toEqual(gone.imageIds);
    await services.api.deleteDataset({ datasetId: gone.ds.id });
    const later = await evaluateNewDataset('later');
    // The newest dataset and its images were deleted: the next import takes the same ids.
    expect(later.ds.id).toBe(gone.ds.id);
    expect(later.imageIds).toEqual(gone.imageIds);

    const list = await services.api.listEvaluations();
    expect(list.filter((e) => e.datasetId === later.ds.id).map((e) => e.id)).toEqual([later.evaluation.id]);
    expect(list.find((e) => e.id === gone.evaluation.id)).toMatchObject({
      datasetId: null,
      datasetName: 'gone',
    });
    const reopened = await services.api.getEvaluation({ evaluationId: gone.evaluation.id });
    expect(reopened.datasetId).toBeNull();
    for (const s of reopened.sources) {
      expect(s.cases.map((c) => c.case)).toEqual(gone.evaluation.sources[0]!.cases.map((c) => c.case));
      expect(s.cases.every((c) => c.imageId === undefined)).toBe(true);
    }
  });

  it('refuses a dataset without ground truth, saying why', async () => {
    const { images } = copyBusBra(join(t.dir, 'nogt'), 1, { masks: false });
    await services.jobs.wait((await services.api.importImages({ path: images, dataset: 'unlabeled' })).jobId);
    const ds = (await services.api.listDatasets()).find((d) => d.name === 'unlabeled')!;
    await expect(services.api.evaluateDataset({ datasetId: ds.id })).rejects.toThrow(/ground truth/);
  });
});
