// Training a student through the AppApi on a real project (tiny network, tiny images: a CI-sized run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { AppEvent } from '../../../shared/events.js';
import type { StudentExportSummary, TrainStudentRequest } from '../../../shared/dto.js';
import { testServices } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';
import { copyBusBra } from '../../helpers/data.js';

describe('students through the API', () => {
  const t = tempDir();
  let services: AppServices;
  let datasetId: number;
  const events: AppEvent[] = [];

  beforeAll(async () => {
    const { images, masks } = copyBusBra(t.dir, 8);
    services = testServices(join(t.dir, 'ud'));
    services.subscribe((e) => events.push(e));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    const job = await services.api.importImages({
      path: images,
      dataset: 'labeled',
      role: 'labeled',
      masksPath: masks,
    });
    await services.jobs.wait(job.jobId);
    datasetId = (await services.api.listDatasets())[0]!.id;
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('lists the zoo presets and counts parameters before training', async () => {
    const presets = await services.api.listStudentPresets();
    expect(presets.map((p) => p.arch)).toEqual(
      expect.arrayContaining(['unet', 'attention-unet', 'residual-unet', 'unet++', 'deeplabv3+']),
    );
    const d = await services.api.describeStudent({ preset: 'unet-tiny', size: 64 });
    expect(d.params).toBeGreaterThan(1000);
    await expect(services.api.describeStudent({ preset: 'unet', size: 100 })).rejects.toThrow(
      /multiple of 16/,
    );
  });

  it('trains a student in a worker, streams progress and records the learning curve', async () => {
    const req: TrainStudentRequest = {
      name: 'tiny',
      preset: 'unet-tiny',
      size: 32,
      datasetId,
      labels: 'ground_truth',
      epochs: 4,
      batchSize: 2,
      learningRate: 0.01,
      valFraction: 0.25,
      seed: 1,
      augment: false,
      patience: 0,
      resume: false,
    };
    const job = await services.api.trainStudent(req);
    const done = await services.jobs.wait(job.jobId);
    expect(done.state, done.error?.message).toBe('done');
    const progress = events.flatMap((e) => (e.type === 'job' && e.job.jobId === job.jobId ? [e.job] : []));
    const details = progress.flatMap((p) => (p.kind === 'train' && p.detail ? [p.detail] : []));
    expect(details.some((d) => typeof d.loss === 'number')).toBe(true);
    expect(details.some((d) => d.validated && typeof d.valDice === 'number')).toBe(true);
    const [student] = await services.api.listStudents();
    expect(student).toMatchObject({ name: 'tiny' });
    const history = student!.history;
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    // It learned: four epochs on 6 real images take the training loss (BCE + Dice, about 1.5 at the
    // start) down by more than a tenth; a network whose weights did not move would stay where it began.
    expect(history[3]!.loss).toBeLessThan(0.9 * history[0]!.loss);
    expect(history.every((h) => h.valDice >= 0 && h.valDice <= 1)).toBe(true);
    // The weights it learned are saved where the student says, as a TF.js model.
    const model = JSON.parse(readFileSync(join(student!.modelDir!, 'model.json'), 'utf8')) as {
      weightsManifest: unknown[];
    };
    expect(model.weightsManifest.length).toBeGreaterThan(0);
  });

  it('exports the student as TF.js + ONNX + card, numerically checked, and imports it back as a teacher', async () => {
    const [student] = await services.api.listStudents();
    const job = await services.api.exportStudent({ studentId: student!.id, outDir: join(t.dir, 'export') });
    const done = await services.jobs.wait(job.jobId);
    expect(done.state, done.error?.message).toBe('done');
    const r = done.result as unknown as StudentExportSummary;
    expect(r.onnxCheck.max_abs_diff).toBeLessThan(1e-4);
    const { teacher } = await services.api.importTeacher({ path: r.card });
    expect(teacher.kind).toBe('onnx');
    const preview = await services.api.previewTeacher({ teacherId: teacher.id, datasetId, count: 1 });
    expect(preview.images[0]!.probability).toBeInstanceOf(Uint8Array);
  });

  it('refuses a training set without labels, saying so', async () => {
    const bad = {
      name: 'none',
      preset: 'unet-tiny',
      size: 32,
      datasetId,
      labels: 'pseudo_label',
      epochs: 1,
      batchSize: 2,
      learningRate: 0.001,
      valFraction: 0.25,
      seed: 1,
      augment: false,
      patience: 0,
      resume: false,
    } as const;
    await expect(services.api.trainStudent(bad)).rejects.toThrow(/training set is empty/);
  });
});
