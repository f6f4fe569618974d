// End to end: add teachers from ../shared/teachers on the Teachers screen, check them on 3 images,
// pseudo-label the transferal set, then review the most uncertain image first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, text, watchErrors } from '../helpers/browser.js';
import { startWebShellProcess, type WebShellProcess } from '../helpers/web-shell-process.js';
import { connectWsApi, waitForJob, type WsApi } from '../helpers/ws-api.js';
import { SHARED_DIR, tempDir } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

describe('teachers through the web shell', () => {
  const t = tempDir('apprentice-e2e-teachers-');
  let browser: Browser;
  let server: WebShellProcess;
  let client: WsApi;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    const { images, masks } = copyBusBra(t.dir, 5);
    browser = await launchChromium();
    server = await startWebShellProcess(join(t.dir, 'user-data'));
    client = await connectWsApi(server.loginUrl);
    await client.api.createProject({ parentDir: t.dir, name: 'Teachers test' });
    const job = await client.api.importImages({ path: images, dataset: 'transferal', masksPath: masks });
    expect((await waitForJob(client.api, job.jobId)).state).toBe('done');
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    errors = watchErrors(page);
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  it('adds a teacher from its card and shows it on three images', async () => {
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-teachers').click();
    await page.getByTestId('teacher-path').fill(join(SHARED_DIR, 'teachers', 'fcn-busi.json'));
    await page.getByTestId('add-teacher-button').click();
    await page.getByTestId('teacher-fcn-busi').waitFor();
    await expect
      .poll(() => page.getByTestId('teacher-preview').locator('figure').count(), { timeout: 60_000 })
      .toBe(3);
    expect(await text(page.getByTestId('teacher-fcn-busi'))).toMatch(/N x 3 x 224 x 224, stretch, softmax/);
    await screenshot(page, 'teachers-preview');
  });

  it('pseudo-labels the transferal set with two teachers', async () => {
    await page.getByTestId('teacher-path').fill(join(SHARED_DIR, 'teachers', 'unet-busi.json'));
    await page.getByTestId('add-teacher-button').click();
    await page.getByTestId('teacher-unet-busi').waitFor();
    await page.getByTestId('pl-start').click();
    await expect
      .poll(() => text(page.getByTestId('pl-summary')), { timeout: 90_000 })
      .toMatch(/5 image\(s\): 10 teacher maps computed/);
    await page.getByTestId('preview-fusion').click();
    await expect.poll(() => page.getByTestId('fusion-preview').locator('figure').count()).toBe(3);
    await screenshot(page, 'teachers-pseudo-labelled');
  });

  it('opens the most uncertain image first in Review, with both teachers and the fused label', async () => {
    await page.getByTestId('nav-review').click();
    await page.getByTestId('viewer-canvas').waitFor();
    const [mostUncertain] = await client.api.listImages({ order: 'uncertainty' });
    await expect.poll(() => text(page.getByTestId('queue-item-0'))).toBe(mostUncertain!.name);
    await page.getByTestId('teacher-layer-fcn-busi').waitFor();
    await page.getByTestId('teacher-layer-unet-busi').waitFor();
    await page.getByTestId('show-disagreement').check();
    await screenshot(page, 'review-teachers');
  });

  it('trains a tiny student on the pseudo-labels and shows its progress live', async () => {
    await page.getByTestId('nav-train').click();
    await page.getByTestId('train-preset').selectOption('unet-tiny');
    await page.getByTestId('train-size').fill('32');
    await page.getByTestId('train-labels').selectOption('pseudo_label');
    await page.getByTestId('train-epochs').fill('3');
    await page.getByTestId('train-batch').fill('2');
    await expect.poll(() => text(page.getByTestId('train-params'))).toMatch(/\d[\d,]* parameters/);
    await expect.poll(() => text(page.getByTestId('train-set'))).toMatch(/^5 of 5 images have these labels/);
    await page.getByTestId('train-start').click();
    await expect.poll(() => text(page.getByTestId('train-metrics')), { timeout: 60_000 }).toMatch(/loss \d/);
    await page.getByTestId('student-student-1').waitFor({ timeout: 120_000 });
    const cells = await page.getByTestId('student-student-1').locator('td').allTextContents();
    expect(cells[0]).toBe('student-1');
    expect(cells[1]).toMatch(/^[01]\.\d{3}$/); // best validation Dice
    expect(cells[2]).toBe('3'); // epochs on the learning curve
    await screenshot(page, 'train-done');
  });

  it('shows the evaluation table of the teachers, the fused label and the reviewed masks', async () => {
    await page.getByTestId('nav-evaluate').click();
    await page.getByTestId('eval-run').click();
    await page.getByTestId('eval-summary').waitFor();
    const sources = await page
      .getByTestId('eval-summary')
      .locator('tbody tr td:first-child')
      .allTextContents();
    expect(sources).toEqual(['teacher: fcn-busi', 'teacher: unet-busi', 'fused pseudo-label', 'reviewed']);
    expect(await page.getByTestId('eval-cases').locator('tbody tr').count()).toBe(5);
    await page.getByTestId('eval-cases').locator('th').nth(1).click(); // sort by the first teacher's Dice
    await page.getByTestId('eval-cases').locator('tbody tr').first().click();
    await expect.poll(() => page.getByTestId('case-compare').locator('canvas').count()).toBe(4);
    await page.getByTestId('save-report').click();
    await expect.poll(() => text(page.getByTestId('report-saved'))).toMatch(/report-transferal\.html$/);
    await screenshot(page, 'evaluate');
  });

  it('exports the trained student as TF.js + ONNX + card and adds it back as a teacher', async () => {
    await page.getByTestId('nav-export').click();
    await page.getByTestId('export-student-out').fill(join(t.dir, 'student-export'));
    await page.getByTestId('export-student-start').click();
    await expect
      .poll(() => text(page.getByTestId('student-export-summary')), { timeout: 60_000 })
      .toMatch(/ONNX matches TF\.js to \d/);
    await page.getByTestId('student-export-summary').getByRole('button').click();
    await expect.poll(() => text(page.getByTestId('student-export-summary'))).toMatch(/Added as teacher/);
    expect((await client.api.listTeachers()).map((x) => x.name)).toContain('student-1');
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
