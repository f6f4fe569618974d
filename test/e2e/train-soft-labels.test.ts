// End to end in Chromium: training on soft labels from the Train screen. Soft labels are one teacher's
// stored probability maps, so the screen offers the project's teachers that have maps of the dataset
// (the one with the most by default), counts the images of the teacher chosen, and the run finishes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { waitForJob } from '../helpers/ws-api.js';
import { SHARED_DIR } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

describe('training on soft labels through the web shell', () => {
  const teacherIds: Record<string, number> = {};
  const app = useWebShellApp({
    name: 'soft-labels',
    viewport: { width: 1280, height: 900 },
    project: { name: 'Soft labels' },
    keepClient: true,
    prepare: async () => {
      for (const name of ['unet-busi', 'fcn-busi']) {
        const { teacher } = await app.client.api.importTeacher({
          path: join(SHARED_DIR, 'teachers', `${name}.json`),
        });
        teacherIds[name] = teacher.id;
      }
      // unet-busi has maps of 4 images, fcn-busi of all 6.
      await importAndMap(4, 'unet-busi');
      await importAndMap(6, 'fcn-busi');
    },
  });
  const projectDir = join(app.dir, 'Soft labels');

  /** Imports the first `count` BUS-BRA images (again: already imported ones are skipped) and maps them. */
  async function importAndMap(count: number, teacher: string): Promise<void> {
    const { images, masks } = copyBusBra(app.dir, count);
    const imported = await app.client.api.importImages({
      path: images,
      dataset: 'transferal',
      masksPath: masks,
    });
    expect((await waitForJob(app.client.api, imported.jobId)).state).toBe('done');
    const datasetId = (await app.client.api.listDatasets())[0]!.id;
    const pl = await app.client.api.runPseudoLabels({ teacherIds: [teacherIds[teacher]!], datasetId });
    expect((await waitForJob(app.client.api, pl.jobId, 120_000)).state).toBe('done');
  }

  it("offers the teachers with probability maps, the one with the most first, and counts the chosen one's", async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('train-labels').selectOption('probability');
    const teacher = app.page.getByTestId('train-teacher');
    await expect.poll(() => teacher.inputValue()).toBe(String(teacherIds['fcn-busi']));
    expect((await teacher.locator('option').allTextContents()).map((o) => o.trim())).toEqual([
      'fcn-busi (maps of 6 images)',
      'unet-busi (maps of 4 images)',
    ]);
    await expect
      .poll(() => text(app.page.getByTestId('train-set')))
      .toMatch(/^6 of 6 images have these labels/);
    expect(await app.page.getByTestId('train-plan-error').count()).toBe(0);
    await screenshot(app.page, 'soft-labels-teacher');

    await teacher.selectOption(String(teacherIds['unet-busi']));
    await expect
      .poll(() => text(app.page.getByTestId('train-set')))
      .toMatch(/^4 of 6 images have these labels/);
    await teacher.selectOption(String(teacherIds['fcn-busi']));
    await expect
      .poll(() => text(app.page.getByTestId('train-set')))
      .toMatch(/^6 of 6 images have these labels/);
  });

  it('trains a few epochs on them from the screen and the run finishes', async () => {
    await app.page.getByTestId('train-preset').selectOption('unet-tiny');
    await app.page.getByTestId('train-size').fill('32');
    await app.page.getByTestId('train-epochs').fill('3');
    await app.page.getByTestId('train-batch').fill('2');
    expect(await app.page.getByTestId('train-start').isDisabled()).toBe(false);
    await app.page.getByTestId('train-start').click();
    await app.page.getByTestId('student-student-1').waitFor({ timeout: 180_000 });
    expect(await app.page.getByTestId('train-error').count()).toBe(0);
    await expect
      .poll(() => text(app.page.getByTestId('student-curves')))
      .toMatch(/Learning curves of student-1/);
    await app.page.getByTestId('student-curves').scrollIntoViewIfNeeded();
    await screenshot(app.page, 'soft-labels-trained');

    const [student] = await app.client.api.listStudents();
    expect(student).toMatchObject({ name: 'student-1' });
    expect(student!.history).toHaveLength(3);
    const record = JSON.parse(
      readFileSync(join(projectDir, 'students', 'student-1', 'training.json'), 'utf8'),
    ) as { teachers: string[]; data: { targetMode: string } };
    expect(record.teachers).toEqual(['fcn-busi']);
    expect(record.data.targetMode).toBe('soft');
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
