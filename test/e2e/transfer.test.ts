// End to end: a whole knowledge transfer from the Transfer screen, on folders and without a project: two
// teachers from ../shared/teachers, 8 BUS-BRA images to transfer on, 4 labeled ones to score on, a tiny
// student; then the run spec saved and loaded back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, text, watchErrors } from '../helpers/browser.js';
import { startWebShellProcess, type WebShellProcess } from '../helpers/web-shell-process.js';
import { connectWsApi, type WsApi } from '../helpers/ws-api.js';
import { SHARED_DIR, tempDir } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

describe('knowledge transfer through the web shell', () => {
  const t = tempDir('apprentice-e2e-transfer-');
  const transferal = join(t.dir, 'transferal');
  const testImages = join(t.dir, 'test', 'images');
  const testMasks = join(t.dir, 'test', 'masks');
  const out = join(t.dir, 'out');
  const teachers = join(SHARED_DIR, 'teachers');
  let browser: Browser;
  let server: WebShellProcess;
  let client: WsApi;
  let page: Page;
  let errors: string[];

  const transferJobs = async () => (await client.api.listJobs()).filter((j) => j.kind === 'transfer');

  beforeAll(async () => {
    // The 9th image is left out: its patient's other view is the 8th, and a patient is on one side only.
    const all = copyBusBra(join(t.dir, 'bus-bra'), 13);
    for (const d of [transferal, testImages, testMasks]) mkdirSync(d, { recursive: true });
    all.names.forEach((n, k) => {
      if (k < 8) renameSync(join(all.images, n), join(transferal, n));
      if (k > 8) {
        renameSync(join(all.images, n), join(testImages, n));
        renameSync(join(all.masks, n), join(testMasks, n));
      }
    });
    browser = await launchChromium();
    server = await startWebShellProcess(join(t.dir, 'user-data'));
    client = await connectWsApi(server.loginUrl);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    errors = watchErrors(page);
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  it('fills the form without a project, saying what is missing until it is complete', async () => {
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-transfer').click();
    const start = page.getByTestId('transfer-start');
    await expect
      .poll(() => text(page.getByTestId('transfer-reason')))
      .toMatch(/^Add at least one teacher card/);
    expect(await start.isDisabled()).toBe(true);

    // One teacher typed in, one picked in the file browser.
    await page.getByTestId('transfer-teacher-path').fill(join(teachers, 'fcn-busi.json'));
    await page.getByTestId('transfer-add-teacher').click();
    await page.getByTestId('transfer-teacher-path').fill(teachers);
    await page.getByTestId('transfer-teachers').getByRole('button', { name: 'Browse…' }).click();
    await page.getByTestId('file-unet-busi.json').click();
    await expect
      .poll(() => page.getByTestId('transfer-teacher-path').inputValue())
      .toBe(join(teachers, 'unet-busi.json'));
    await page.getByTestId('transfer-add-teacher').click();
    expect(await text(page.getByTestId('transfer-teacher-1'))).toMatch(/^unet-busi\.json/);
    await expect
      .poll(() => text(page.getByTestId('transfer-reason')))
      .toMatch(/^Choose the transferal images folder/);

    await page.getByTestId('transfer-images').fill(transferal);
    await page.getByTestId('transfer-test').check();
    await page.getByTestId('transfer-test-images').fill(testImages);
    await page.getByTestId('transfer-test-masks').fill(testMasks);
    await page.getByTestId('transfer-arch').selectOption('unet-tiny');
    await page.getByTestId('transfer-size').fill('32');
    await page.getByTestId('transfer-epochs').fill('2');
    await page.getByTestId('transfer-batch').fill('4');
    await expect.poll(() => text(page.getByTestId('transfer-params'))).toMatch(/^\d[\d,]* parameters$/);
    await expect.poll(() => text(page.getByTestId('transfer-reason'))).toBe('Choose the output folder');
    expect(await start.isDisabled()).toBe(true);
  });

  it('refuses an output folder that is a file, naming it, and starts no job', async () => {
    const file = join(t.dir, 'not-a-folder');
    writeFileSync(file, 'x');
    await page.getByTestId('transfer-out').fill(file);
    await page.getByTestId('transfer-start').click();
    await expect
      .poll(() => text(page.getByTestId('transfer-error')))
      .toBe(`out: ${file} is a file, not a folder`);
    expect(await transferJobs()).toEqual([]);
    expect(await page.getByTestId('transfer-progress').count()).toBe(0);
  });

  it('runs the transfer: every stage, the scores of teachers, fused label and student, the exports', async () => {
    await page.getByTestId('transfer-out').fill(out);
    await page.getByTestId('transfer-start').click();
    await page.getByTestId('transfer-results').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('transfer-error').count()).toBe(0);

    const items = await page.getByTestId('transfer-stages').locator('li').all();
    const stages = await Promise.all(
      items.map(
        async (li) => `${await li.getAttribute('data-testid')}:${await li.getAttribute('data-status')}`,
      ),
    );
    expect(stages).toEqual(
      ['pseudo-label', 'train', 'evaluate', 'export', 'report'].map((s) => `transfer-stage-${s}:done`),
    );
    // The loss curve was drawn from the training's progress events.
    expect(
      await page.getByTestId('transfer-progress').locator('polyline').first().getAttribute('points'),
    ).toMatch(/\d/);

    const trs = await page.getByTestId('transfer-scores').locator('tbody tr').all();
    const rows = await Promise.all(
      trs.map(async (tr) => ({
        kind: await tr.getAttribute('data-kind'),
        cells: (await tr.locator('td').allTextContents()).map((c) => c.trim()),
      })),
    );
    expect(rows.map((r) => [r.cells[0], r.kind])).toEqual([
      ['fcn-busi', 'teacher'],
      ['unet-busi', 'teacher'],
      ['fused (mean)', 'fused'],
      ['student-1', 'student'],
    ]);
    for (const r of rows) {
      expect(r.cells[2], r.cells[0]).toBe('4'); // n test images
      const dice = Number(r.cells[3]);
      expect(dice, r.cells[0]).toBeGreaterThanOrEqual(0);
      expect(dice, r.cells[0]).toBeLessThanOrEqual(1);
    }
    expect(await text(page.getByTestId('transfer-summary'))).toMatch(
      /8 images, 8 pseudo-labeled, 0 corrected, 0 failed/,
    );

    const report = await text(page.getByTestId('transfer-report'));
    expect(report).toBe(join(out, 'report.html'));
    expect(readFileSync(report, 'utf8')).toContain('Knowledge transfer');
    expect(readdirSync(join(out, 'student')).filter((f) => f.endsWith('.onnx'))).toHaveLength(1);
    expect(await text(page.getByTestId('transfer-export'))).toContain(join(out, 'student', 'student-1.onnx'));
    expect((await transferJobs()).map((j) => j.state)).toEqual(['done']);
    // The page scrolls inside its content pane: a tall window shows the form, progress and results at once.
    await page.setViewportSize({ width: 1400, height: 2400 });
    await screenshot(page, 'transfer-done');
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('saves the run spec and loads it back into a fresh form', async () => {
    const specFile = join(t.dir, 'run.json');
    await page.getByTestId('transfer-save-spec').click();
    await page.getByTestId('transfer-spec-path').fill(specFile);
    await page.getByTestId('transfer-spec-confirm').click();
    await expect.poll(() => text(page.getByTestId('transfer-spec-saved'))).toMatch(/^Saved /);
    const saved = JSON.parse(readFileSync(specFile, 'utf8')) as {
      teachers: string[];
      student: { arch: string };
    };
    expect(saved.teachers).toEqual([join(teachers, 'fcn-busi.json'), join(teachers, 'unet-busi.json')]);
    expect(saved.student.arch).toBe('unet-tiny');

    await page.reload();
    await page.getByTestId('transfer-load-spec').click();
    await page.getByTestId('transfer-spec-path').fill(specFile);
    await page.getByTestId('transfer-spec-confirm').click();
    await expect.poll(() => page.getByTestId('transfer-images').inputValue()).toBe(transferal);
    expect(await page.getByTestId('transfer-test-masks').inputValue()).toBe(testMasks);
    expect(await page.getByTestId('transfer-arch').inputValue()).toBe('unet-tiny');
    expect(await page.getByTestId('transfer-size').inputValue()).toBe('32');
    expect(await page.getByTestId('transfer-out').inputValue()).toBe(out);
    expect(await page.getByTestId('transfer-teacher-1').count()).toBe(1);
    expect(await page.getByTestId('transfer-start').isEnabled()).toBe(true);
  });

  it('stops a running transfer, saying how to continue it', async () => {
    await page.getByTestId('transfer-epochs').fill('500');
    await page.getByTestId('transfer-out').fill(join(t.dir, 'out-stopped'));
    await page.getByTestId('transfer-start').click();
    await page.getByTestId('transfer-stop').waitFor();
    // A reload while it runs: the screen finds the running transfer again.
    await page.reload();
    await page.getByTestId('nav-transfer').click();
    await expect
      .poll(() => page.getByTestId('transfer-stages').locator('[data-status="running"]').count(), {
        timeout: 30_000,
      })
      .toBe(1);
    await page.getByTestId('transfer-stop').click();
    await expect
      .poll(() => text(page.getByTestId('transfer-progress')), { timeout: 60_000 })
      .toMatch(/Stopped\. Running the same spec again .* continues where it stopped/);
    expect(await page.getByTestId('transfer-stages').locator('[data-status="stopped"]').count()).toBe(1);
    expect((await transferJobs()).map((j) => j.state).sort()).toEqual(['cancelled', 'done']);
    // The reload emptied the form (a running job does not carry its spec): it says what is missing.
    expect(await text(page.getByTestId('transfer-reason'))).toMatch(/^Add at least one teacher card/);
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
