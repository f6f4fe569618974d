// End to end: import real BUS-BRA images with their masks (and one broken file) through the Data screen.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { SHARED_DIR } from '../helpers/temp.js';

describe('data import through the web shell', () => {
  const app = useWebShellApp({
    name: 'data',
    viewport: { width: 1280, height: 900 },
    prepare: async () => {
      mkdirSync(images);
      mkdirSync(masks);
      const bus = join(SHARED_DIR, 'data', 'bus-bra');
      const names = readdirSync(join(bus, 'images')).sort().slice(0, 6);
      for (const f of names) {
        copyFileSync(join(bus, 'images', f), join(images, f));
        copyFileSync(join(bus, 'masks', f), join(masks, f));
      }
      writeFileSync(join(images, 'broken.png'), readFileSync(join(images, names[0]!)).subarray(0, 100));
    },
  });
  const images = join(app.dir, 'bus-images');
  const masks = join(app.dir, 'bus-masks');

  it('imports a folder with masks, shows progress, the dataset and the skipped file', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('new-name').fill('Import test');
    await app.page.getByTestId('new-parent').fill(app.dir);
    await app.page.getByTestId('create-project').click();
    await app.page.getByTestId('section-data').waitFor();
    await app.page.getByTestId('import-path').fill(images);
    expect(await app.page.getByTestId('import-dataset').inputValue()).toBe('bus-images');
    await app.page.getByTestId('import-masks').fill(masks);
    await app.page.getByTestId('import-start').click();
    await app.page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    expect(await text(app.page.getByTestId('import-summary'))).toMatch(
      /6 slice\(s\) from 6 image set\(s\).*6 with ground truth/,
    );
    expect(await text(app.page.getByTestId('import-skipped'))).toMatch(/broken\.png/);
    await expect
      .poll(() => text(app.page.getByTestId('dataset-bus-images').getByTestId('dataset-count')))
      .toBe('6');
    await screenshot(app.page, 'data-imported');
  });

  it('shows the images with thumbnails, excludes one and splits the dataset by case', async () => {
    await app.page.getByTestId('image-grid').waitFor();
    await expect.poll(() => app.page.getByTestId('image-grid').locator('li').count()).toBe(6);
    // Thumbnails are shown: the first one, drawn into a canvas in the page, has non-black pixels.
    await expect
      .poll(() =>
        app.page
          .getByTestId('image-grid')
          .locator('img.thumb')
          .first()
          .evaluate((el: unknown) => {
            // Runs in the page; typed by hand because the Node tsconfig has no DOM library.
            type Img = { complete: boolean; naturalWidth: number; naturalHeight: number };
            type Canvas = {
              width: number;
              height: number;
              getContext(k: '2d'): {
                drawImage(i: Img, x: number, y: number): void;
                getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
              };
            };
            const img = el as Img;
            if (!img.complete || img.naturalWidth < 2) return false;
            const doc = (globalThis as unknown as { document: { createElement(t: 'canvas'): Canvas } })
              .document;
            const c = doc.createElement('canvas');
            c.width = img.naturalWidth;
            c.height = img.naturalHeight;
            const g = c.getContext('2d');
            g.drawImage(img, 0, 0);
            const d = g.getImageData(0, 0, c.width, c.height).data;
            let sum = 0;
            for (let i = 0; i < d.length; i += 4) sum += d[i]!;
            return sum > 0;
          }),
      )
      .toBe(true);
    const first = app.page.getByTestId('image-grid').locator('li').first();
    await first.click();
    await app.page.getByTestId('exclude-selected').click();
    await expect.poll(() => text(first)).toMatch(/excluded/);
    await app.page.getByTestId('curation-dataset').selectOption({ label: 'bus-images' });
    await app.page.getByTestId('assign-splits').click();
    await expect.poll(() => text(app.page.getByTestId('split-summary'))).toMatch(/train \d+ images/);
    await screenshot(app.page, 'data-curation');
  });

  it('exports the ground truth as PNG files from the Export screen', async () => {
    const out = join(app.dir, 'exported');
    await app.page.getByTestId('nav-export').click();
    await app.page.getByTestId('export-layer').selectOption('ground_truth');
    await app.page.getByTestId('export-out').fill(out);
    await app.page.getByTestId('export-start').click();
    await expect.poll(() => text(app.page.getByTestId('export-summary'))).toMatch(/Wrote 6 file\(s\)/);
    expect(readdirSync(out).sort()).toEqual(readdirSync(masks).sort());
    await app.page.getByTestId('nav-data').click();
  });

  it('explains a refused import in words', async () => {
    await app.page.getByTestId('import-path').fill('relative/folder');
    await app.page.getByTestId('import-start').click();
    await expect.poll(() => text(app.page.getByTestId('import-error'))).toMatch(/absolute path/);
  });

  it('names a file imported with a decode warning, and Review shows the warning with the image', async () => {
    const dicom = join(app.dir, 'dicom');
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
    await app.page.getByTestId('import-path').fill(dicom);
    await app.page.getByTestId('import-dataset').fill('dicom');
    await app.page.getByTestId('import-masks').fill('');
    await app.page.getByTestId('import-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('import-summary')), { timeout: 60_000 })
      .toMatch(/1 slice\(s\) from 1 image set\(s\) into “dicom”/);
    expect(await text(app.page.getByTestId('import-warnings'))).toBe(
      `${damaged}: frame 1: its JPEG 2000 header gives an impossible image width 3722445056; decoded with the size in the DICOM header`,
    );
    await app.page.getByTestId('import-warnings').scrollIntoViewIfNeeded();
    await screenshot(app.page, 'data-import-warning');

    await app.page.getByTestId('nav-review').click();
    await app.page.getByTestId('review-dataset').selectOption({ label: 'dicom (1)' });
    await app.page.getByTestId('viewer-canvas').waitFor();
    await expect
      .poll(() => text(app.page.getByTestId('decode-warning')))
      .toMatch(
        /^⚠ Not decoded exactly, shown anyway: frame 1: its JPEG 2000 header gives an impossible image width/,
      );
    await screenshot(app.page, 'review-decode-warning');
    // An image decoded exactly shows no warning.
    const bus = app.page.getByTestId('review-dataset').locator('option', { hasText: 'bus-images' });
    await app.page.getByTestId('review-dataset').selectOption((await bus.getAttribute('value'))!);
    await expect.poll(() => app.page.getByTestId('decode-warning').count()).toBe(0);
    await app.page.getByTestId('nav-data').click();
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
