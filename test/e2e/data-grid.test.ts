// End to end: the Data grid and the review queue are virtual. With 300 images, only the rows on screen
// (and a few beyond) are in the DOM however far the grid is scrolled, the cells that come into view get
// their thumbnails, a grid dragged faster than anyone reads shows cell outlines until it stops, and filters, search and "Select all shown" still answer for the whole set, not only
// for what is on screen. The review queue's list is virtual too and keeps the open image in view.
import { describe, expect, it } from 'vitest';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import type { ImageListItem } from '../../shared/dto.js';

const IMAGES = 300;

describe('the virtual Data grid and review queue', () => {
  let all: ImageListItem[];
  const app = useWebShellApp({
    name: 'data-grid',
    viewport: { width: 1280, height: 900 },
    project: { name: 'Grid test', images: IMAGES, masks: false },
    keepClient: true,
    prepare: async ({ client }) => {
      all = (await client.api.listImagesPage({ limit: 1000 })).items;
    },
  });
  const grid = () => app.page.getByTestId('image-grid');
  const cells = () => grid().locator('li').count();
  const scroller = () => app.page.getByTestId('image-grid-scroller');
  const scrollTo = (top: number | 'end') =>
    scroller().evaluate((el: unknown, t: number | 'end') => {
      const s = el as { scrollTop: number; scrollHeight: number };
      s.scrollTop = t === 'end' ? s.scrollHeight : t;
    }, top);
  /** Whether the cell of `name` has its thumbnail drawn. */
  const drawn = (name: string) => grid().getByTestId(`grid-item-${name}`).locator('img[data-drawn]').count();

  it('keeps only a screenful of cells in the DOM while scrolling, and draws the thumbnails that come into view', async () => {
    expect(all).toHaveLength(IMAGES);
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-data').click();
    await expect.poll(() => text(app.page.getByTestId('curation-count'))).toBe(`${IMAGES} of ${IMAGES}`);
    await expect.poll(() => drawn(all[0]!.name)).toBe(1);
    const atTop = await cells();
    expect(atTop).toBeGreaterThan(0);
    expect(atTop).toBeLessThan(IMAGES / 2);
    await screenshot(app.page, 'data-grid-top');

    // Down the whole grid a screen at a time: the cell count stays bounded all the way.
    const height = await scroller().evaluate((el: unknown) => (el as { scrollHeight: number }).scrollHeight);
    const view = await scroller().evaluate((el: unknown) => (el as { clientHeight: number }).clientHeight);
    let most = 0;
    for (let top = 0; top < height; top += view) {
      await scrollTo(top);
      await app.page.waitForTimeout(30);
      most = Math.max(most, await cells());
    }
    expect(most).toBeLessThan(IMAGES / 2);
    await scrollTo('end');
    const last = all.at(-1)!;
    await grid().getByTestId(`grid-item-${last.name}`).waitFor();
    await expect.poll(() => drawn(last.name)).toBe(1);
    expect(await grid().getByTestId(`grid-item-${all[0]!.name}`).count()).toBe(0);
    await screenshot(app.page, 'data-grid-end');
  });

  it('shows cell outlines while the scrollbar is dragged a screen a frame, and the cells where it stops', async () => {
    await scrollTo(0);
    await expect.poll(() => drawn(all[0]!.name)).toBe(1);
    // A screen per frame to the end, as a dragged scrollbar moves: every frame's cells, class and height.
    const frames = await scroller().evaluate(
      (el: unknown) =>
        new Promise<{ cells: number; racing: boolean; height: number }[]>((done) => {
          // Runs in the page; typed by hand because the Node tsconfig has no DOM library.
          type Box = { scrollTop: number; scrollHeight: number; clientHeight: number };
          type Ul = { children: { length: number }; classList: { contains(c: string): boolean } };
          const s = el as Box;
          const ul = (
            globalThis as unknown as { document: { querySelector(q: string): Ul } }
          ).document.querySelector('[data-testid="image-grid"]');
          const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): void })
            .requestAnimationFrame;
          const seen: { cells: number; racing: boolean; height: number }[] = [];
          const frame = () => {
            seen.push({
              cells: ul.children.length,
              racing: ul.classList.contains('racing'),
              height: s.scrollHeight,
            });
            if (s.scrollTop + s.clientHeight >= s.scrollHeight - 1) return done(seen);
            s.scrollTop += s.clientHeight;
            raf(frame);
          };
          raf(frame);
        }),
    );
    const racing = frames.filter((f) => f.racing);
    expect(racing.length).toBeGreaterThan(0);
    expect(racing.every((f) => f.cells === 0)).toBe(true);
    // The list keeps its length while it races: the scrollbar does not jump.
    expect(new Set(frames.map((f) => f.height)).size).toBe(1);
    // Stopped at the end: the cells come back, with their thumbnails.
    const last = all.at(-1)!;
    await expect.poll(() => grid().getAttribute('class')).not.toMatch(/racing/);
    await grid().getByTestId(`grid-item-${last.name}`).waitFor();
    await expect.poll(() => drawn(last.name)).toBe(1);
    await screenshot(app.page, 'data-grid-stopped-after-drag');
  });

  it('searches the whole set in the database, not only the cells on screen', async () => {
    // The first image's name, searched while the grid shows the end: found, and nothing else shown.
    const name = all[0]!.name;
    const matches = all.filter((i) => i.name.toLowerCase().includes(name.toLowerCase()));
    await app.page.getByTestId('curation-search').fill(name.toUpperCase());
    await expect
      .poll(() => text(app.page.getByTestId('curation-count')))
      .toBe(`${matches.length} of ${IMAGES}`);
    await expect.poll(() => cells()).toBe(matches.length);
    await grid().getByTestId(`grid-item-${name}`).waitFor();
    await app.page.getByTestId('curation-search').fill('no-such-image');
    await expect.poll(() => text(app.page.getByTestId('grid-empty'))).toBe('No image matches these filters.');
    await app.page.getByTestId('curation-search').fill('');
    await expect.poll(() => text(app.page.getByTestId('curation-count'))).toBe(`${IMAGES} of ${IMAGES}`);
  });

  it('selects every match, tags them all, and finds them by the tag', async () => {
    // "-l" views: more than fit on one screen.
    const lefts = all.filter((i) => i.name.includes('-l'));
    expect(lefts.length).toBeGreaterThan(await cells());
    await app.page.getByTestId('curation-search').fill('-l');
    await expect
      .poll(() => text(app.page.getByTestId('curation-count')))
      .toBe(`${lefts.length} of ${IMAGES}`);
    await app.page.getByTestId('select-all-shown').click();
    await expect.poll(() => text(app.page.getByTestId('curation-selected'))).toBe(`${lefts.length} selected`);
    await app.page.getByTestId('tag-text').fill('left-view');
    await app.page.getByTestId('add-tag').click();
    await app.page.getByTestId('curation-search').fill('left-view');
    await expect
      .poll(() => text(app.page.getByTestId('curation-count')))
      .toBe(`${lefts.length} of ${IMAGES}`);
    const tagged = await app.client.api.listImagesPage({ limit: 1000, search: 'left-view' });
    expect(tagged.items.map((i) => i.id).sort()).toEqual(lefts.map((i) => i.id).sort());
    await app.page.getByTestId('curation-search').fill('');
  });

  it('filters by status and by inclusion over the whole set', async () => {
    await app.client.api.setReview({ imageId: all[250]!.id, status: 'rejected' });
    await app.page.getByTestId('curation-status').selectOption('rejected');
    await expect.poll(() => text(app.page.getByTestId('curation-count'))).toBe(`1 of ${IMAGES}`);
    await grid().getByTestId(`grid-item-${all[250]!.name}`).click();
    await app.page.getByTestId('exclude-selected').click();
    await app.page.getByTestId('curation-status').selectOption('');
    await app.page.getByLabel('show excluded').uncheck();
    await expect.poll(() => text(app.page.getByTestId('curation-count'))).toBe(`${IMAGES - 1} of ${IMAGES}`);
    await app.page.getByLabel('show excluded').check();
    await expect.poll(() => text(app.page.getByTestId('curation-count'))).toBe(`${IMAGES} of ${IMAGES}`);
    await screenshot(app.page, 'data-grid-filtered');
  });

  it('lists the review queue virtually and keeps the open image in view', async () => {
    await app.page.getByTestId('nav-review').click();
    await app.page.getByTestId('viewer-canvas').waitFor();
    await expect.poll(() => text(app.page.getByTestId('review-progress'))).toBe(`1 of ${IMAGES} reviewed`);
    const queue = app.page.getByTestId('review-queue');
    const rows = await queue.locator('li').count();
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(IMAGES / 2);
    // Well past the first screen of the queue with the keyboard: the active row is rendered and visible.
    const moves = rows + 5;
    for (let k = 0; k < moves; k++) await app.page.keyboard.press('n');
    const active = app.page.getByTestId(`queue-item-${moves}`);
    await expect.poll(() => active.getAttribute('class')).toMatch(/active/);
    await expect.poll(() => active.isVisible()).toBe(true);
    expect(await queue.locator('li').count()).toBeLessThan(IMAGES / 2);
    await screenshot(app.page, 'review-queue-scrolled');
    expect(app.errors).toEqual([]);
  });
});
