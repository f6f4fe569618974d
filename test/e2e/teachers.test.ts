// End to end: add teachers from ../shared/teachers on the Teachers screen, check them on 3 images,
// pseudo-label the transferal set, then review the most uncertain image first.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { SCREENSHOT_DIR, screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { waitForJob } from '../helpers/ws-api.js';
import { SHARED_DIR } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

// These run in the page; typed by hand because the Node tsconfig has no DOM library.
interface PageRect {
  top: number;
  height: number;
}
interface PageRange {
  setStart(node: unknown, offset: number): void;
  setEnd(node: unknown, offset: number): void;
  selectNodeContents(node: unknown): void;
  getClientRects(): ArrayLike<PageRect>;
}
interface PageNode {
  nodeType: number;
  textContent: string | null;
  childNodes: ArrayLike<PageNode>;
  getBoundingClientRect(): PageRect;
  closest(selector: string): PageNode | null;
}
interface PageGlobals {
  document: { createRange(): PageRange };
}

/** Words of an element's text that the layout broke across lines (e.g. "letterbo" + "x"). */
function brokenWords(locator: Locator): Promise<string[]> {
  return locator.evaluate((el: unknown) => {
    const doc = (globalThis as unknown as PageGlobals).document;
    const TEXT_NODE = 3;
    const node = Array.from((el as PageNode).childNodes).find(
      (n) => n.nodeType === TEXT_NODE && Boolean(n.textContent?.trim()),
    )!;
    const broken: string[] = [];
    for (const m of node.textContent!.matchAll(/\S+/g)) {
      const range = doc.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
    return broken;
  });
}

/** How many lines an element's text takes. */
function lineCount(locator: Locator): Promise<number> {
  return locator.evaluate((el: unknown) => {
    const range = (globalThis as unknown as PageGlobals).document.createRange();
    range.selectNodeContents(el);
    return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
  });
}

describe('teachers through the web shell', () => {
  const app = useWebShellApp({
    name: 'teachers',
    viewport: { width: 1400, height: 1000 },
    project: { name: 'Teachers test', images: 5, dataset: 'transferal' },
    keepClient: true,
  });

  it('adds a teacher from its card and shows it on three images', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-teachers').click();
    await app.page.getByTestId('teacher-path').fill(join(SHARED_DIR, 'teachers', 'fcn-busi.json'));
    await app.page.getByTestId('add-teacher-button').click();
    await app.page.getByTestId('teacher-fcn-busi').waitFor();
    await expect
      .poll(() => app.page.getByTestId('teacher-preview').locator('figure').count(), { timeout: 60_000 })
      .toBe(3);
    expect(await text(app.page.getByTestId('teacher-fcn-busi'))).toMatch(
      /N x 3 x 224 x 224, stretch, softmax/,
    );
    // The contract wraps between its words, never inside one ("letterbo x"), also in a narrow window.
    const contract = app.page.getByTestId('teacher-fcn-busi').locator('td').nth(3);
    await app.page.setViewportSize({ width: 760, height: 1000 });
    expect(await lineCount(contract)).toBeGreaterThan(1); // it does wrap here
    expect(await brokenWords(contract)).toEqual([]);
    await app.page.setViewportSize({ width: 1400, height: 1000 });
    await screenshot(app.page, 'teachers-preview');
  });

  it('pseudo-labels the transferal set with two teachers', async () => {
    await app.page.getByTestId('teacher-path').fill(join(SHARED_DIR, 'teachers', 'unet-busi.json'));
    await app.page.getByTestId('add-teacher-button').click();
    await app.page.getByTestId('teacher-unet-busi').waitFor();
    // Before the batch the fusion preview has nothing to fuse, and says so...
    await app.page.getByTestId('preview-fusion').click();
    await expect
      .poll(() => text(app.page.getByTestId('fusion-error')))
      .toMatch(/No image has maps of all these teachers yet/);
    await app.page.getByTestId('pl-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('pl-summary')), { timeout: 90_000 })
      .toMatch(/5 image\(s\): 10 teacher maps computed/);
    // The default fusion says what it did and why, with the weights it estimated for the two teachers.
    expect(await text(app.page.getByTestId('pl-fusion'))).toMatch(
      /^Automatic \(label-free\): .*Weights: fcn-busi 0\.\d{3}, unet-busi 0\.\d{3}\.$/s,
    );
    // ... and once the batch has finished, the message is gone and the preview shows, without a click.
    await expect.poll(() => app.page.getByTestId('fusion-preview').locator('figure').count()).toBe(3);
    expect(await app.page.getByTestId('fusion-error').count()).toBe(0);
    await screenshot(app.page, 'teachers-pseudo-labelled');
  });

  it('opens the most uncertain image first in Review, with both teachers and the fused label', async () => {
    await app.page.getByTestId('nav-review').click();
    await app.page.getByTestId('viewer-canvas').waitFor();
    const [mostUncertain] = await app.client.api.listImages({ order: 'uncertainty' });
    await expect.poll(() => text(app.page.getByTestId('queue-item-0'))).toBe(mostUncertain!.name);
    await app.page.getByTestId('teacher-layer-fcn-busi').waitFor();
    await app.page.getByTestId('teacher-layer-unet-busi').waitFor();
    await app.page.getByTestId('show-disagreement').check();
    await screenshot(app.page, 'review-teachers');
  });

  it('trains a tiny student on the pseudo-labels and shows its progress live', async () => {
    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('train-preset').selectOption('unet-tiny');
    await app.page.getByTestId('train-size').fill('32');
    await app.page.getByTestId('train-labels').selectOption('pseudo_label');
    await app.page.getByTestId('train-epochs').fill('3');
    // Each setting's label is one line ("learning rate" wrapped and pushed its field down).
    const rate = app.page.locator('label.small-field', { hasText: 'learning rate' });
    expect(await brokenWords(rate.locator('span').first())).toEqual([]);
    expect(await lineCount(rate.locator('span').first())).toBe(1);
    await app.page.getByTestId('train-batch').fill('2');
    await expect.poll(() => text(app.page.getByTestId('train-params'))).toMatch(/\d[\d,]* parameters/);
    await expect
      .poll(() => text(app.page.getByTestId('train-set')))
      .toMatch(/^5 of 5 images have these labels/);
    await app.page.getByTestId('train-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('train-metrics')), { timeout: 60_000 })
      .toMatch(/loss \d/);
    await app.page.getByTestId('student-student-1').waitFor({ timeout: 120_000 });
    const cells = await app.page.getByTestId('student-student-1').locator('td').allTextContents();
    expect(cells[0]).toBe('student-1');
    expect(cells[1]).toMatch(/^[01]\.\d{3}$/); // best validation Dice
    expect(cells[2]).toBe('3'); // epochs on the learning curve
    await screenshot(app.page, 'train-done');
  });

  it('shows the evaluation table of the teachers, the fused label and the reviewed masks', async () => {
    await app.page.getByTestId('nav-evaluate').click();
    await app.page.getByTestId('eval-run').click();
    await app.page.getByTestId('eval-summary').waitFor();
    const sources = await app.page
      .getByTestId('eval-summary')
      .locator('tbody tr td:first-child')
      .allTextContents();
    expect(sources).toEqual(['teacher: fcn-busi', 'teacher: unet-busi', 'fused pseudo-label', 'reviewed']);
    expect(await app.page.getByTestId('eval-cases').locator('tbody tr').count()).toBe(5);
    await app.page.getByTestId('eval-cases').locator('th').nth(1).click(); // sort by the first teacher's Dice
    const row = app.page.getByTestId('eval-cases').locator('tbody tr').first();
    const firstCase = await text(row.locator('td').first());
    await row.click();
    await expect.poll(() => app.page.getByTestId('case-compare').locator('canvas').count()).toBe(4);
    // The side-by-side view names the image and is scrolled into view.
    expect(await text(app.page.getByTestId('case-compare-title'))).toBe(`Side by side: ${firstCase}`);
    await expect
      .poll(() =>
        app.page.getByTestId('case-compare-card').evaluate((el: unknown) => {
          // As much of the card as the scrolling content area holds is in view, its heading first.
          const card = (el as PageNode).getBoundingClientRect();
          const area = (el as PageNode).closest('main')!.getBoundingClientRect();
          return (
            card.top >= area.top - 1 &&
            card.top + Math.min(card.height, area.height) <= area.top + area.height + 1
          );
        }),
      )
      .toBe(true);
    await app.page.screenshot({ path: join(SCREENSHOT_DIR, 'evaluate-compare.png') }); // what the user sees
    await app.page.getByTestId('save-report').click();
    await expect.poll(() => text(app.page.getByTestId('report-saved'))).toMatch(/report-transferal\.html$/);
    await screenshot(app.page, 'evaluate');
  });

  it('exports the trained student as TF.js + ONNX + card and adds it back as a teacher', async () => {
    await app.page.getByTestId('nav-export').click();
    await app.page.getByTestId('export-student-out').fill(join(app.dir, 'student-export'));
    await app.page.getByTestId('export-student-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('student-export-summary')), { timeout: 60_000 })
      .toMatch(/ONNX matches TF\.js to \d/);
    await app.page.getByTestId('student-export-summary').getByRole('button').click();
    await expect.poll(() => text(app.page.getByTestId('student-export-summary'))).toMatch(/Added as teacher/);
    expect((await app.client.api.listTeachers()).map((x) => x.name)).toContain('student-1');
  });

  it('links from pseudo-labelling to the queue it labelled: its images only, counted alone', async () => {
    // Another dataset without pseudo-labels: the link must not count its images.
    const { images } = copyBusBra(join(app.dir, 'other'), 2);
    const job = await app.client.api.importImages({ path: images, dataset: 'other', role: 'test' });
    expect((await waitForJob(app.client.api, job.jobId)).state).toBe('done');
    await app.page.getByTestId('nav-teachers').click();
    await app.page.getByTestId('pl-review-link').click();
    await expect.poll(() => text(app.page.getByTestId('review-progress'))).toBe('0 of 5 reviewed');
    expect(await app.page.getByTestId('review-scope').inputValue()).toBe('pseudo-labelled');
    await app.page.getByTestId('review-dataset').selectOption({ label: 'All datasets' });
    await app.page.getByTestId('review-scope').selectOption('all');
    await expect.poll(() => text(app.page.getByTestId('review-progress'))).toBe('0 of 7 reviewed');
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
