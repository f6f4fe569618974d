// End to end: import real BUS-BRA images with their masks (and one broken file) through the Data screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, text, watchErrors } from '../helpers/browser.js';
import { startWebShellProcess, type WebShellProcess } from '../helpers/web-shell-process.js';
import { SHARED_DIR, tempDir } from '../helpers/temp.js';

describe('data import through the web shell', () => {
  const t = tempDir('apprentice-e2e-data-');
  const images = join(t.dir, 'bus-images');
  const masks = join(t.dir, 'bus-masks');
  let browser: Browser;
  let server: WebShellProcess;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    mkdirSync(images);
    mkdirSync(masks);
    const bus = join(SHARED_DIR, 'data', 'bus-bra');
    const names = readdirSync(join(bus, 'images')).sort().slice(0, 6);
    for (const f of names) {
      copyFileSync(join(bus, 'images', f), join(images, f));
      copyFileSync(join(bus, 'masks', f), join(masks, f));
    }
    writeFileSync(join(images, 'broken.png'), readFileSync(join(images, names[0]!)).subarray(0, 100));
    browser = await launchChromium();
    server = await startWebShellProcess(join(t.dir, 'user-data'));
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = watchErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  it('imports a folder with masks, shows progress, the dataset and the skipped file', async () => {
    await page.goto(server.loginUrl);
    await page.getByTestId('new-name').fill('Import test');
    await page.getByTestId('new-parent').fill(t.dir);
    await page.getByTestId('create-project').click();
    await page.getByTestId('section-data').waitFor();
    await page.getByTestId('import-path').fill(images);
    expect(await page.getByTestId('import-dataset').inputValue()).toBe('bus-images');
    await page.getByTestId('import-masks').fill(masks);
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    expect(await text(page.getByTestId('import-summary'))).toMatch(
      /6 slice\(s\) from 6 image set\(s\).*6 with ground truth/,
    );
    expect(await text(page.getByTestId('import-skipped'))).toMatch(/broken\.png/);
    await expect
      .poll(() => text(page.getByTestId('dataset-bus-images').getByTestId('dataset-count')))
      .toBe('6');
    await screenshot(page, 'data-imported');
  });

  it('shows the images with thumbnails, excludes one and splits the dataset by case', async () => {
    await page.getByTestId('image-grid').waitFor();
    await expect.poll(() => page.getByTestId('image-grid').locator('li').count()).toBe(6);
    // Thumbnails are drawn: the first canvas has non-black pixels.
    await expect
      .poll(() =>
        page
          .getByTestId('image-grid')
          .locator('canvas')
          .first()
          .evaluate((el: unknown) => {
            // Runs in the page; typed by hand because the Node tsconfig has no DOM library.
            type Canvas = {
              width: number;
              height: number;
              getContext(k: '2d'): {
                getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
              };
            };
            const c = el as Canvas;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let sum = 0;
            for (let i = 0; i < d.length; i += 4) sum += d[i]!;
            return sum > 0 && c.width > 1;
          }),
      )
      .toBe(true);
    const first = page.getByTestId('image-grid').locator('li').first();
    await first.click();
    await page.getByTestId('exclude-selected').click();
    await expect.poll(() => text(first)).toMatch(/excluded/);
    await page.getByTestId('curation-dataset').selectOption({ label: 'bus-images' });
    await page.getByTestId('assign-splits').click();
    await expect.poll(() => text(page.getByTestId('split-summary'))).toMatch(/train \d+ images/);
    await screenshot(page, 'data-curation');
  });

  it('exports the ground truth as PNG files from the Export screen', async () => {
    const out = join(t.dir, 'exported');
    await page.getByTestId('nav-export').click();
    await page.getByTestId('export-layer').selectOption('ground_truth');
    await page.getByTestId('export-out').fill(out);
    await page.getByTestId('export-start').click();
    await expect.poll(() => text(page.getByTestId('export-summary'))).toMatch(/Wrote 6 file\(s\)/);
    expect(readdirSync(out).sort()).toEqual(readdirSync(masks).sort());
    await page.getByTestId('nav-data').click();
  });

  it('explains a refused import in words', async () => {
    await page.getByTestId('import-path').fill('relative/folder');
    await page.getByTestId('import-start').click();
    await expect.poll(() => text(page.getByTestId('import-error'))).toMatch(/absolute path/);
  });

  it('names a file imported with a decode warning, and Review shows the warning with the image', async () => {
    const dicom = join(t.dir, 'dicom');
    mkdirSync(dicom);
    const damaged = join(dicom, 'damaged-j2k.dcm');
    copyFileSync(
      join(
        SHARED_DIR,
        'data',
        'dicom',
        'pydicom-debian-testfiles',
        'JPEG2000-embedded-sequence-delimiter.dcm',
      ),
      damaged,
    );
    await page.getByTestId('import-path').fill(dicom);
    await page.getByTestId('import-dataset').fill('dicom');
    await page.getByTestId('import-masks').fill('');
    await page.getByTestId('import-start').click();
    await expect
      .poll(() => text(page.getByTestId('import-summary')), { timeout: 60_000 })
      .toMatch(/1 slice\(s\) from 1 image set\(s\) into “dicom”/);
    expect(await text(page.getByTestId('import-warnings'))).toBe(
      `${damaged}: frame 1: its JPEG 2000 header gives an impossible image width 3722445056; decoded with the size in the DICOM header`,
    );
    await page.getByTestId('import-warnings').scrollIntoViewIfNeeded();
    await screenshot(page, 'data-import-warning');

    await page.getByTestId('nav-review').click();
    await page.getByTestId('review-dataset').selectOption({ label: 'dicom (1)' });
    await page.getByTestId('viewer-canvas').waitFor();
    await expect
      .poll(() => text(page.getByTestId('decode-warning')))
      .toMatch(
        /^⚠ Not decoded exactly, shown anyway: frame 1: its JPEG 2000 header gives an impossible image width/,
      );
    await screenshot(page, 'review-decode-warning');
    // An image decoded exactly shows no warning.
    const bus = page.getByTestId('review-dataset').locator('option', { hasText: 'bus-images' });
    await page.getByTestId('review-dataset').selectOption((await bus.getAttribute('value'))!);
    await expect.poll(() => page.getByTestId('decode-warning').count()).toBe(0);
    await page.getByTestId('nav-data').click();
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
