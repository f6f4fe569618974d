// End to end: a whole knowledge transfer from the Transfer screen, on folders and without a project: two
// teachers from ../shared/teachers, 8 BUS-BRA images to transfer on, 4 labeled ones to score on, a tiny
// student; then the run spec saved and loaded back.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { SHARED_DIR } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

describe('knowledge transfer through the web shell', () => {
  const app = useWebShellApp({
    name: 'transfer',
    viewport: { width: 1400, height: 1000 },
    keepClient: true,
    prepare: async () => {
      // The 9th image is left out: its patient's other view is the 8th, and a patient is on one side only.
      const all = copyBusBra(join(app.dir, 'bus-bra'), 13);
      for (const d of [transferal, testImages, testMasks]) mkdirSync(d, { recursive: true });
      all.names.forEach((n, k) => {
        if (k < 8) renameSync(join(all.images, n), join(transferal, n));
        if (k > 8) {
          renameSync(join(all.images, n), join(testImages, n));
          renameSync(join(all.masks, n), join(testMasks, n));
        }
      });
    },
  });
  const transferal = join(app.dir, 'transferal');
  const testImages = join(app.dir, 'test', 'images');
  const testMasks = join(app.dir, 'test', 'masks');
  const out = join(app.dir, 'out');
  const teachers = join(SHARED_DIR, 'teachers');

  const transferJobs = async () => (await app.client.api.listJobs()).filter((j) => j.kind === 'transfer');

  it('fills the form without a project, saying what is missing until it is complete', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-transfer').click();
    const start = app.page.getByTestId('transfer-start');
    await expect
      .poll(() => text(app.page.getByTestId('transfer-reason')))
      .toMatch(/^Add at least one teacher card( \(1 of \d+ things to fix before Run\))?$/);
    expect(await start.isDisabled()).toBe(true);

    // One teacher typed in, one picked in the file app.browser.
    await app.page.getByTestId('transfer-teacher-path').fill(join(teachers, 'fcn-busi.json'));
    await app.page.getByTestId('transfer-add-teacher').click();
    await app.page.getByTestId('transfer-teacher-path').fill(teachers);
    await app.page.getByTestId('transfer-teachers').getByRole('button', { name: 'Browse…' }).click();
    await app.page.getByTestId('file-unet-busi.json').click();
    await expect
      .poll(() => app.page.getByTestId('transfer-teacher-path').inputValue())
      .toBe(join(teachers, 'unet-busi.json'));
    await app.page.getByTestId('transfer-add-teacher').click();
    expect(await text(app.page.getByTestId('transfer-teacher-1'))).toMatch(/^unet-busi\.json/);
    // Each card is read when it is added: its name and kind beside it, or its problem, in human numbers.
    await expect.poll(() => text(app.page.getByTestId('transfer-teacher-kind-0'))).toBe('fcn-busi · ONNX');
    // A relative card is refused once, beside its field, and counted once among the things to fix.
    await app.page.getByTestId('transfer-teacher-path').fill('teachers/relative.json');
    await app.page.getByTestId('transfer-add-teacher').click();
    await expect
      .poll(() => text(app.page.getByTestId('transfer-problem-teachers.2')))
      .toBe('Teacher 3: teachers/relative.json must be an absolute path');
    expect(await text(app.page.getByTestId('transfer-reason'))).toBe(
      'Choose the transferal images folder (1 of 3 things to fix before Run)',
    );
    await screenshot(app.page, 'transfer-relative-teacher');
    await app.page.getByTestId('transfer-remove-teacher-2').click();
    await expect.poll(() => app.page.getByTestId('transfer-problem-teachers.2').count()).toBe(0);
    const missing = join(app.dir, 'missing.json');
    const broken = join(app.dir, 'broken.json');
    writeFileSync(broken, '{"name": ');
    for (const [card, problem] of [
      [missing, `Teacher 3: ${missing} does not exist`],
      [broken, `Teacher 3: ${broken} is not valid JSON`],
    ] as const) {
      await app.page.getByTestId('transfer-teacher-path').fill(card);
      await app.page.getByTestId('transfer-add-teacher').click();
      await expect.poll(() => text(app.page.getByTestId('transfer-problem-teachers.2'))).toContain(problem);
      expect(await app.page.getByTestId('transfer-problem-teachers.2').isVisible()).toBe(true);
      await app.page.getByTestId('transfer-remove-teacher-2').click();
      await expect.poll(() => app.page.getByTestId('transfer-problem-teachers.2').count()).toBe(0);
    }
    await expect
      .poll(() => text(app.page.getByTestId('transfer-reason')))
      .toMatch(/^Choose the transferal images folder/);

    await app.page.getByTestId('transfer-images').fill(transferal);
    await app.page.getByTestId('transfer-test').check();
    await app.page.getByTestId('transfer-test-images').fill(testImages);
    await app.page.getByTestId('transfer-test-masks').fill(testMasks);
    await app.page.getByTestId('transfer-arch').selectOption('unet-tiny');
    await app.page.getByTestId('transfer-size').fill('32');
    // Training is sized in steps by default; this run asks for a fixed number of epochs instead.
    expect(await text(app.page.getByTestId('transfer-length-help'))).toMatch(/^2,000 optimizer steps/);
    expect(await app.page.getByTestId('transfer-epochs').count()).toBe(0);
    await app.page.getByTestId('transfer-length').selectOption('epochs');
    await app.page.getByTestId('transfer-epochs').fill('2');
    await app.page.getByTestId('transfer-batch').fill('4');
    await expect.poll(() => text(app.page.getByTestId('transfer-params'))).toMatch(/^\d[\d,]* parameters$/);
    await expect.poll(() => text(app.page.getByTestId('transfer-reason'))).toBe('Choose the output folder');
    expect(await start.isDisabled()).toBe(true);
  });

  it('refuses an output folder that is a file, naming it beside the field, and starts no job', async () => {
    const file = join(app.dir, 'not-a-folder');
    writeFileSync(file, 'x');
    await app.page.getByTestId('transfer-out').fill(file);
    const problem = `Output folder: ${file} is a file, not a folder`;
    await expect.poll(() => text(app.page.getByTestId('transfer-problem-out'))).toBe(problem);
    expect(await app.page.getByTestId('transfer-start').isDisabled()).toBe(true);
    expect(await text(app.page.getByTestId('transfer-reason'))).toBe(problem);
    expect(await transferJobs()).toEqual([]);
    expect(await app.page.getByTestId('transfer-progress').count()).toBe(0);
  });

  it('runs the transfer: every stage, the scores of teachers, fused label and student, the exports', async () => {
    await app.page.getByTestId('transfer-out').fill(out);
    await app.page.getByTestId('transfer-start').click();
    await app.page.getByTestId('transfer-results').waitFor({ timeout: 240_000 });
    expect(await app.page.getByTestId('transfer-error').count()).toBe(0);

    const items = await app.page.getByTestId('transfer-stages').locator('li').all();
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
      await app.page.getByTestId('transfer-progress').locator('polyline').first().getAttribute('points'),
    ).toMatch(/\d/);

    const trs = await app.page.getByTestId('transfer-scores').locator('tbody tr').all();
    const rows = await Promise.all(
      trs.map(async (tr) => ({
        kind: await tr.getAttribute('data-kind'),
        cells: (await tr.locator('td').allTextContents()).map((c) => c.trim()),
      })),
    );
    expect(rows.map((r) => [r.cells[0], r.kind])).toEqual([
      ['fcn-busi', 'teacher'],
      ['unet-busi', 'teacher'],
      ['fused (auto)', 'fused'],
      ['student-1', 'student'],
    ]);
    for (const r of rows) {
      expect(r.cells[2], r.cells[0]).toBe('4'); // n test images
      const dice = Number(r.cells[3]);
      expect(dice, r.cells[0]).toBeGreaterThanOrEqual(0);
      expect(dice, r.cells[0]).toBeLessThanOrEqual(1);
    }
    expect(await text(app.page.getByTestId('transfer-summary'))).toMatch(
      /8 images, 8 pseudo-labeled, 0 corrected, 0 failed/,
    );
    // Which fusion ran and why: the default, automatic, with each teacher's estimated weight.
    const fusion = await text(app.page.getByTestId('transfer-fusion'));
    expect(fusion).toMatch(/^Automatic \(label-free\): /);
    const names = await app.page
      .getByTestId('transfer-fusion-teachers')
      .locator('tbody tr td:first-child')
      .allTextContents();
    expect(names.map((n) => n.trim())).toEqual(['fcn-busi', 'unet-busi']);
    expect(await text(app.page.getByTestId('transfer-channels-result'))).toBe(
      'grey: fcn-busi takes colour, but the transferal images are grey',
    );

    const report = await text(app.page.getByTestId('transfer-report'));
    expect(report).toBe(join(out, 'report.html'));
    expect(readFileSync(report, 'utf8')).toContain('Knowledge transfer');
    expect(readdirSync(join(out, 'student')).filter((f) => f.endsWith('.onnx'))).toHaveLength(1);
    expect(await text(app.page.getByTestId('transfer-export'))).toContain(
      join(out, 'student', 'student-1.onnx'),
    );
    expect((await transferJobs()).map((j) => j.state)).toEqual(['done']);
    // The last progress line says the run is over, not "writing the report".
    expect(await text(app.page.getByTestId('transfer-phase'))).toBe('5/5 report: all stages done');
    // The page scrolls inside its content pane: a tall window shows the form, progress and results at once.
    await app.page.setViewportSize({ width: 1400, height: 2400 });
    await screenshot(app.page, 'transfer-done');
    await app.page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('saves the run spec and loads it back into a fresh form', async () => {
    const specFile = join(app.dir, 'run.json');
    await app.page.getByTestId('transfer-save-spec').click();
    await app.page.getByTestId('transfer-spec-path').fill(specFile);
    await app.page.getByTestId('transfer-spec-confirm').click();
    await expect.poll(() => text(app.page.getByTestId('transfer-spec-saved'))).toMatch(/^Saved /);
    const saved = JSON.parse(readFileSync(specFile, 'utf8')) as {
      teachers: string[];
      student: { arch: string };
    };
    expect(saved.teachers).toEqual([join(teachers, 'fcn-busi.json'), join(teachers, 'unet-busi.json')]);
    expect(saved.student.arch).toBe('unet-tiny');

    await app.page.reload();
    await app.page.getByTestId('transfer-load-spec').click();
    await app.page.getByTestId('transfer-spec-path').fill(specFile);
    await app.page.getByTestId('transfer-spec-confirm').click();
    await expect.poll(() => app.page.getByTestId('transfer-images').inputValue()).toBe(transferal);
    expect(await app.page.getByTestId('transfer-test-masks').inputValue()).toBe(testMasks);
    expect(await app.page.getByTestId('transfer-arch').inputValue()).toBe('unet-tiny');
    expect(await app.page.getByTestId('transfer-size').inputValue()).toBe('32');
    expect(await app.page.getByTestId('transfer-out').inputValue()).toBe(out);
    expect(await app.page.getByTestId('transfer-teacher-1').count()).toBe(1);
    expect(await app.page.getByTestId('transfer-start').isEnabled()).toBe(true);
  });

  it('offers the choices in words when the output folder holds a run of other settings', async () => {
    const conflict = app.page.getByTestId('transfer-conflict');
    const runOtherSettings = async () => {
      await app.page.getByTestId('transfer-epochs').fill('3');
      await app.page.getByTestId('transfer-start').click();
      await conflict.waitFor();
    };
    await runOtherSettings();
    expect(await text(conflict)).toContain(
      `${out} already holds an earlier run with other settings (finished: pseudo-label, train, evaluate, export, report)`,
    );
    expect(await transferJobs()).toHaveLength(1);
    await screenshot(app.page, 'transfer-choices');

    // "Choose another folder": the output field is emptied and has the cursor.
    await app.page.getByTestId('transfer-other-folder').click();
    expect(await conflict.count()).toBe(0);
    expect(await app.page.getByTestId('transfer-out').inputValue()).toBe('');
    // Runs in the page (this file is type-checked without the DOM library).
    const focused = (el: unknown) =>
      el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement;
    expect(await app.page.getByTestId('transfer-out').evaluate(focused)).toBe(true);

    // "Continue the earlier run": its settings come back and it finishes from its ledger.
    await app.page.getByTestId('transfer-out').fill(out);
    await runOtherSettings();
    await app.page.getByTestId('transfer-continue-earlier').click();
    await expect
      .poll(async () => (await transferJobs()).map((j) => j.state), { timeout: 120_000 })
      .toEqual(['done', 'done']);
    expect(await app.page.getByTestId('transfer-epochs').inputValue()).toBe('2');
    await expect
      .poll(() => text(app.page.getByTestId('transfer-summary')))
      .toMatch(/pseudo-label, train, evaluate, export, report taken from an earlier run/);

    // "Start over in this folder", with a project open: the new settings run from the start and the
    // finished run is kept in the project, listed after a reload.
    await app.client.api.createProject({ parentDir: app.dir, name: 'Transfer runs' });
    await runOtherSettings();
    await app.page.getByTestId('transfer-start-over').click();
    await expect
      .poll(async () => (await transferJobs()).map((j) => j.state), { timeout: 240_000 })
      .toEqual(['done', 'done', 'done']);
    await app.page.getByTestId('transfer-results').waitFor();
    expect(await text(app.page.getByTestId('transfer-summary'))).not.toMatch(/taken from an earlier run/);
    expect(await text(app.page.getByTestId('transfer-summary'))).toMatch(/Training3 epochs/);
    await app.page.reload();
    await app.page.getByTestId('nav-transfer').click();
    const runs = app.page.getByTestId('transfer-history-table').locator('tbody tr');
    await expect.poll(() => runs.count()).toBe(1);
    expect(await text(runs.first())).toContain(join(out, 'report.html'));
    await runs.first().getByRole('button', { name: 'Show' }).click();
    const earlier = app.page.getByTestId('transfer-earlier-results');
    expect(await text(earlier.getByTestId('transfer-report'))).toBe(join(out, 'report.html'));
    expect(await earlier.getByTestId('transfer-scores').locator('tbody tr').count()).toBe(4);
    await screenshot(app.page, 'transfer-earlier-runs');
    // The reload emptied the form: the saved spec fills it again for the next test.
    await app.page.getByTestId('transfer-load-spec').click();
    await app.page.getByTestId('transfer-spec-path').fill(join(app.dir, 'run.json'));
    await app.page.getByTestId('transfer-spec-confirm').click();
    await expect.poll(() => app.page.getByTestId('transfer-out').inputValue()).toBe(out);
  });

  it('stops a running transfer, saying how to continue it', async () => {
    await app.page.getByTestId('transfer-epochs').fill('500');
    await app.page.getByTestId('transfer-out').fill(join(app.dir, 'out-stopped'));
    await app.page.getByTestId('transfer-start').click();
    await app.page.getByTestId('transfer-stop').waitFor();
    // A reload while it runs: the screen finds the running transfer again.
    await app.page.reload();
    await app.page.getByTestId('nav-transfer').click();
    await expect
      .poll(() => app.page.getByTestId('transfer-stages').locator('[data-status="running"]').count(), {
        timeout: 30_000,
      })
      .toBe(1);
    await app.page.getByTestId('transfer-stop').click();
    await expect
      .poll(() => text(app.page.getByTestId('transfer-progress')), { timeout: 60_000 })
      .toMatch(/Stopped\. Running the same spec again .* continues where it stopped/);
    expect(await app.page.getByTestId('transfer-stages').locator('[data-status="stopped"]').count()).toBe(1);
    expect((await transferJobs()).map((j) => j.state).sort()).toEqual(['cancelled', 'done', 'done', 'done']);
    // The reload emptied the form (a running job does not carry its spec): it says what is missing.
    expect(await text(app.page.getByTestId('transfer-reason'))).toMatch(/^Add at least one teacher card/);
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
