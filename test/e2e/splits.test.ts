// End to end in Chromium: the splits assigned on Data decide what Train uses (test never), Evaluate
// defaults to the test split, a second training run gets a fresh name and a stopped one is resumed, an
// import of nothing creates no dataset, and datasets are renamed and deleted from the Data screen.
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { BUS_BRA, copyBusBra } from '../helpers/data.js';

describe('splits, training runs and datasets through the web shell', () => {
  let bus: { images: string; masks: string };
  const app = useWebShellApp({
    name: 'splits',
    viewport: { width: 1280, height: 900 },
    prepare: async () => {
      bus = copyBusBra(app.dir, 12);
    },
  });
  /** Split sizes as Data reported them. */
  let split: { train: number; val: number; test: number };

  const count = async (testid: string) => Number(/(\d+)/.exec(await text(app.page.getByTestId(testid)))![1]);

  it('an import that finds no image creates no dataset and says why', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('new-name').fill('Splits');
    await app.page.getByTestId('new-parent').fill(app.dir);
    await app.page.getByTestId('create-project').click();
    await app.page.getByTestId('section-data').waitFor();
    const empty = join(app.dir, 'nothing-here');
    mkdirSync(empty);
    await app.page.getByTestId('import-path').fill(empty);
    await app.page.getByTestId('import-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('import-form')))
      .toMatch(
        /Nothing imported: .*nothing-here holds no DICOM, NIfTI, PNG, JPEG or TIFF image; no dataset was created/,
      );
    expect(await app.page.getByTestId('datasets-table').count()).toBe(0);
    await screenshot(app.page, 'splits-empty-import');
  });

  it('assigns train/val/test on Data', async () => {
    await app.page.getByTestId('import-path').fill(bus.images);
    await app.page.getByTestId('import-dataset').fill('bus');
    await app.page.getByTestId('import-masks').fill(bus.masks);
    await app.page.getByTestId('import-start').click();
    await app.page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => text(app.page.getByTestId('dataset-bus').getByTestId('dataset-count')))
      .toBe('12');
    await app.page.getByTestId('curation-dataset').selectOption({ label: 'bus' });
    // Imported without a manifest, each PNG is a case of its own: a patient's -l and -r views may be split.
    await expect
      .poll(() => text(app.page.getByTestId('split-no-cases')))
      .toMatch(
        /^No patient is known to group these images: 12 of 12 are each a case of their own .* one patient's images may end up in different splits, one in train and another in test\. .* with a manifest CSV giving each image's case or patient/,
      );
    await app.page.getByTestId('assign-splits').click();
    await expect.poll(() => text(app.page.getByTestId('split-summary'))).toMatch(/train \d+ images/);
    const m = /train (\d+) images .* val (\d+) \/ \d+ · test (\d+)/.exec(
      await text(app.page.getByTestId('split-summary')),
    )!;
    split = { train: Number(m[1]), val: Number(m[2]), test: Number(m[3]) };
    expect(split.test).toBeGreaterThan(0);
    expect(split.train + split.val + split.test).toBe(12);
    await app.page.getByTestId('split-summary').scrollIntoViewIfNeeded();
    await screenshot(app.page, 'splits-assigned');
  });

  it('Train says exactly which images it uses, test excluded, whatever is chosen for unassigned images', async () => {
    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('train-labels').selectOption('ground_truth');
    await expect
      .poll(() => text(app.page.getByTestId('train-set')))
      .toMatch(/^12 of 12 images have these labels/);
    await expect.poll(() => count('train-plan-train')).toBe(split.train);
    expect(await count('train-plan-val')).toBe(split.val);
    expect(await count('train-plan-test')).toBe(split.test);
    expect(await text(app.page.getByTestId('train-plan-test'))).toMatch(
      /held out, never trained or validated on/,
    );
    for (const policy of ['train', 'exclude', 'split']) {
      await app.page.getByTestId('train-unassigned').selectOption(policy);
      await expect.poll(() => count('train-plan-train')).toBe(split.train);
      expect(await count('train-plan-test')).toBe(split.test);
    }
    await screenshot(app.page, 'splits-train-plan');
  });

  it('trains, then proposes a fresh name and keeps the finished run and its curves', async () => {
    await app.page.getByTestId('train-preset').selectOption('unet-tiny');
    await app.page.getByTestId('train-size').fill('32');
    await app.page.getByTestId('train-epochs').fill('2');
    await app.page.getByTestId('train-batch').fill('2');
    expect(await app.page.getByTestId('train-name').inputValue()).toBe('student-1');
    await app.page.getByTestId('train-start').click();
    await app.page.getByTestId('student-student-1').waitFor({ timeout: 120_000 });
    await expect.poll(() => app.page.getByTestId('train-name').inputValue()).toBe('student-2');
    await expect
      .poll(() => text(app.page.getByTestId('student-curves')))
      .toMatch(/Learning curves of student-1/);
    expect(await app.page.getByTestId('student-curves').locator('svg polyline').count()).toBeGreaterThan(0);
    // The old name is refused by the form itself, before any job.
    await app.page.getByTestId('train-name').fill('student-1');
    await expect
      .poll(() => text(app.page.getByTestId('train-name-taken')))
      .toMatch(/already exists: choose another name/);
    expect(await app.page.getByTestId('train-start').isDisabled()).toBe(true);
    await app.page.getByTestId('train-name').fill('student-2');
    await app.page.getByTestId('student-curves').scrollIntoViewIfNeeded();
    await screenshot(app.page, 'splits-train-curves');
  });

  it('offers resume for a stopped run, and resuming finishes it', async () => {
    // Enough epochs (and no early stop) that Stop lands mid-run even on a fast machine.
    await app.page.getByTestId('train-epochs').fill('12');
    await app.page.getByLabel('early stop').fill('0');
    await app.page.getByTestId('train-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('train-progress')), { timeout: 60_000 })
      .toMatch(/epoch 2\/12/);
    await app.page.getByTestId('train-stop').click();
    await app.page.getByTestId('train-resume-student-2').waitFor({ timeout: 60_000 });
    await app.page.getByTestId('train-unfinished').scrollIntoViewIfNeeded();
    expect(await text(app.page.getByTestId('run-student-2'))).toMatch(
      /stopped after epoch ([1-9]|1[01]) Resume$/,
    );
    await screenshot(app.page, 'splits-train-stopped');
    await app.page.getByTestId('train-resume-student-2').click();
    await app.page.getByTestId('student-student-2').waitFor({ timeout: 120_000 });
    await expect.poll(() => app.page.getByTestId('train-unfinished').count()).toBe(0);
    expect((await app.page.getByTestId('student-student-2').locator('td').allTextContents())[2]).toBe('12');
    await expect.poll(() => app.page.getByTestId('train-name').inputValue()).toBe('student-3');
  });

  it('Evaluate starts on the test split', async () => {
    await app.page.getByTestId('nav-evaluate').click();
    await expect.poll(() => app.page.getByTestId('eval-split').inputValue()).toBe('test');
    expect(await text(app.page.getByTestId('eval-split').locator('option:checked'))).toBe(
      `test split (${split.test})`,
    );
    await app.page.getByTestId('eval-run').click();
    await expect
      .poll(() => text(app.page.locator('h2', { hasText: 'Summary' })))
      .toBe(`Summary (${split.test} images with ground truth)`);
    await screenshot(app.page, 'splits-evaluate-default');
  });

  it('renames a dataset and deletes another after a confirmation naming its images', async () => {
    await app.page.getByTestId('nav-data').click();
    await app.page.getByTestId('import-path').fill(bus.images);
    await app.page.getByTestId('import-dataset').fill('copy');
    await app.page.getByTestId('import-masks').fill('');
    // BUS-BRA's manifest names each image's patient: the 12 images are 7 cases, and no warning is shown.
    await app.page.getByTestId('import-manifest').fill(join(BUS_BRA, 'manifest.csv'));
    await app.page.getByTestId('import-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('dataset-copy').getByTestId('dataset-count')), {
        timeout: 60_000,
      })
      .toBe('12');
    // The split summary describes the dataset it was assigned on: choosing another one must not leave it up.
    await app.page.getByTestId('curation-dataset').selectOption({ label: 'bus' });
    await app.page.getByTestId('assign-splits').click();
    await expect.poll(() => text(app.page.getByTestId('split-summary'))).toMatch(/train \d+ images/);
    await app.page.getByTestId('curation-dataset').selectOption({ label: 'copy' });
    await expect.poll(() => app.page.getByTestId('split-summary').count()).toBe(0);
    await expect.poll(() => app.page.getByTestId('split-no-cases').count()).toBe(0);
    await app.page.getByTestId('curation-dataset').selectOption({ label: 'bus' });
    await app.page.getByTestId('split-no-cases').waitFor();
    await app.page.getByTestId('import-manifest').fill('');

    await app.page.getByTestId('dataset-bus').getByTestId('dataset-rename').click();
    await app.page.getByTestId('dataset-rename-input').fill('copy');
    await app.page.getByTestId('dataset-rename-save').click();
    await expect
      .poll(() => text(app.page.getByTestId('dataset-error')))
      .toBe('A dataset named "copy" already exists');
    await app.page.getByTestId('dataset-rename-input').fill('BUS-BRA 12');
    await app.page.getByTestId('dataset-rename-save').click();
    await app.page.getByTestId('dataset-BUS-BRA 12').waitFor();

    await app.page.getByTestId('dataset-copy').getByTestId('dataset-delete').click();
    expect(await text(app.page.getByTestId('dataset-delete-confirm'))).toMatch(
      /Delete “copy” with its 12 image\(s\)/,
    );
    await screenshot(app.page, 'splits-delete-confirm');
    await app.page.getByTestId('dataset-delete-yes').click();
    await expect
      .poll(() => text(app.page.getByTestId('dataset-deleted')))
      .toMatch(/Deleted “copy” and its 12 image\(s\)/);
    expect(await app.page.getByTestId('dataset-copy').count()).toBe(0);
    await expect
      .poll(() => text(app.page.getByTestId('dataset-BUS-BRA 12').getByTestId('dataset-count')))
      .toBe('12');
    await screenshot(app.page, 'splits-dataset-deleted');
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
