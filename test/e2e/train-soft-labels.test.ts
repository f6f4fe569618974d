// End to end in Chromium: training on soft labels from the Train screen. Soft labels are one teacher's
// stored probability maps, so the screen offers the project's teachers that have maps of the dataset
// (the one with the most by default), counts the images of the teacher chosen, and the run finishes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, text, watchErrors } from '../helpers/browser.js';
import { startWebShellProcess, type WebShellProcess } from '../helpers/web-shell-process.js';
import { connectWsApi, waitForJob, type WsApi } from '../helpers/ws-api.js';
import { SHARED_DIR, tempDir } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

describe('training on soft labels through the web shell', () => {
  const t = tempDir('apprentice-e2e-soft-labels-');
  const projectDir = join(t.dir, 'Soft labels');
  let browser: Browser;
  let server: WebShellProcess;
  let client: WsApi;
  let page: Page;
  let errors: string[];
  const teacherIds: Record<string, number> = {};

  /** Imports the first `count` BUS-BRA images (again: already imported ones are skipped) and maps them. */
  async function importAndMap(count: number, teacher: string): Promise<void> {
    const { images, masks } = copyBusBra(t.dir, count);
    const imported = await client.api.importImages({ path: images, dataset: 'transferal', masksPath: masks });
    expect((await waitForJob(client.api, imported.jobId)).state).toBe('done');
    const datasetId = (await client.api.listDatasets())[0]!.id;
    const pl = await client.api.runPseudoLabels({ teacherIds: [teacherIds[teacher]!], datasetId });
    expect((await waitForJob(client.api, pl.jobId, 120_000)).state).toBe('done');
  }

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startWebShellProcess(join(t.dir, 'user-data'));
    client = await connectWsApi(server.loginUrl);
    await client.api.createProject({ parentDir: t.dir, name: 'Soft labels' });
    for (const name of ['unet-busi', 'fcn-busi']) {
      const { teacher } = await client.api.importTeacher({
        path: join(SHARED_DIR, 'teachers', `${name}.json`),
      });
      teacherIds[name] = teacher.id;
    }
    // unet-busi has maps of 4 images, fcn-busi of all 6.
    await importAndMap(4, 'unet-busi');
    await importAndMap(6, 'fcn-busi');
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = watchErrors(page);
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  it("offers the teachers with probability maps, the one with the most first, and counts the chosen one's", async () => {
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-train').click();
    await page.getByTestId('train-labels').selectOption('probability');
    const teacher = page.getByTestId('train-teacher');
    await expect.poll(() => teacher.inputValue()).toBe(String(teacherIds['fcn-busi']));
    expect((await teacher.locator('option').allTextContents()).map((o) => o.trim())).toEqual([
      'fcn-busi (maps of 6 images)',
      'unet-busi (maps of 4 images)',
    ]);
    await expect.poll(() => text(page.getByTestId('train-set'))).toMatch(/^6 of 6 images have these labels/);
    expect(await page.getByTestId('train-plan-error').count()).toBe(0);
    await screenshot(page, 'soft-labels-teacher');

    await teacher.selectOption(String(teacherIds['unet-busi']));
    await expect.poll(() => text(page.getByTestId('train-set'))).toMatch(/^4 of 6 images have these labels/);
    await teacher.selectOption(String(teacherIds['fcn-busi']));
    await expect.poll(() => text(page.getByTestId('train-set'))).toMatch(/^6 of 6 images have these labels/);
  });

  it('trains a few epochs on them from the screen and the run finishes', async () => {
    await page.getByTestId('train-preset').selectOption('unet-tiny');
    await page.getByTestId('train-size').fill('32');
    await page.getByTestId('train-epochs').fill('3');
    await page.getByTestId('train-batch').fill('2');
    expect(await page.getByTestId('train-start').isDisabled()).toBe(false);
    await page.getByTestId('train-start').click();
    await page.getByTestId('student-student-1').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('train-error').count()).toBe(0);
    await expect.poll(() => text(page.getByTestId('student-curves'))).toMatch(/Learning curves of student-1/);
    await page.getByTestId('student-curves').scrollIntoViewIfNeeded();
    await screenshot(page, 'soft-labels-trained');

    const [student] = await client.api.listStudents();
    expect(student).toMatchObject({ name: 'student-1' });
    expect(student!.history).toHaveLength(3);
    const record = JSON.parse(
      readFileSync(join(projectDir, 'students', 'student-1', 'training.json'), 'utf8'),
    ) as { teachers: string[]; data: { targetMode: string } };
    expect(record.teachers).toEqual(['fcn-busi']);
    expect(record.data.targetMode).toBe('soft');
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
