// End to end: review a real image in Chromium: paint a stroke (the saved mask changes exactly there),
// undo (the mask is back, byte for byte), redo, accept, restart the web shell and find everything as left.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { fitViewport, toImage } from '../../renderer/src/viewer/viewport.js';
import { formatWindow } from '../../renderer/src/viewer/windowing.js';
import type { ImageListItem } from '../../shared/dto.js';

describe('review through the web shell', () => {
  let first: ImageListItem;
  let afterStroke: Uint8Array;
  const app = useWebShellApp({
    name: 'review',
    viewport: { width: 1400, height: 900 },
    project: { name: 'Review test', images: 3 },
    keepClient: true,
    prepare: async ({ client }) => {
      first = (await client.api.listImages({}))[0]!;
    },
  });
  const projectDir = join(app.dir, 'Review test');

  it('paints a stroke that is saved exactly where it was drawn', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-review').click();
    await app.page.getByTestId('viewer-canvas').waitFor();
    await expect.poll(() => text(app.page.getByTestId('review-progress'))).toBe('0 of 3 reviewed');
    const before = await app.client.api.getMasks({ imageId: first.id });
    expect(before.corrected).toBeNull();

    const box = (await app.page.getByTestId('viewer-canvas').boundingBox())!;
    const view = fitViewport(first.cols, first.rows, box.width, box.height);
    const from = { sx: box.width / 2 - 60, sy: box.height / 2 };
    const to = { sx: box.width / 2 + 60, sy: box.height / 2 };
    await app.page.mouse.move(box.x + from.sx, box.y + from.sy);
    await app.page.mouse.down();
    await app.page.mouse.move(box.x + to.sx, box.y + to.sy, { steps: 4 });
    await app.page.mouse.up();
    await expect.poll(() => text(app.page.getByTestId('save-state'))).toBe('saved');

    const after = await app.client.api.getMasks({ imageId: first.id });
    afterStroke = after.corrected!;
    expect(afterStroke).toBeInstanceOf(Uint8Array);
    // Every changed pixel lies within the brush radius (8 px, plus one pixel of rounding) of the stroke.
    const a = toImage(view, from.sx, from.sy);
    const b = toImage(view, to.sx, to.sy);
    const radius = 8;
    let changed = 0;
    for (let y = 0; y < first.rows; y++) {
      for (let x = 0; x < first.cols; x++) {
        if (afterStroke[y * first.cols + x] === 0) continue;
        changed++;
        const px = x + 0.5;
        const py = y + 0.5;
        const tt = Math.max(
          0,
          Math.min(
            1,
            ((px - a.x) * (b.x - a.x) + (py - a.y) * (b.y - a.y)) / ((b.x - a.x) ** 2 + (b.y - a.y) ** 2),
          ),
        );
        const d = Math.hypot(px - (a.x + tt * (b.x - a.x)), py - (a.y + tt * (b.y - a.y)));
        expect(d).toBeLessThanOrEqual(radius + 1);
      }
    }
    // ... and the stroke is filled along its whole length (no gaps): at least its area minus rounding.
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    expect(changed).toBeGreaterThan(0.9 * (2 * radius * length + Math.PI * radius * radius));
    // A stroke is an edit, not a decision: the image is not reviewed until accepted.
    expect(after.review.status).toBe('unreviewed');
    await expect.poll(() => text(app.page.getByTestId('review-status'))).toBe('unreviewed');
    expect(await text(app.page.getByTestId('review-progress'))).toBe('0 of 3 reviewed');
    await app.page.getByTestId('queue-item-0').locator('.edited').waitFor();
    await screenshot(app.page, 'review-stroke');
  });

  it('undoes the stroke byte for byte and redoes it', async () => {
    await app.page.keyboard.press('Control+z');
    await expect
      .poll(async () => (await app.client.api.getMasks({ imageId: first.id })).corrected)
      .toBeNull();
    await expect.poll(() => app.page.getByTestId('redo').isEnabled()).toBe(true);
    await app.page.keyboard.press('Control+Shift+z');
    await expect
      .poll(async () => {
        const m = (await app.client.api.getMasks({ imageId: first.id })).corrected;
        return m !== null && Buffer.compare(Buffer.from(m), Buffer.from(afterStroke)) === 0;
      })
      .toBe(true);
  });

  it('accepts with one key, records the corrections and moves on to the next image', async () => {
    expect(await app.page.getByTestId('advance-on-accept').isChecked()).toBe(true); // the default
    await app.page.keyboard.press('a');
    await expect.poll(() => text(app.page.getByTestId('review-progress'))).toBe('1 of 3 reviewed');
    expect((await app.client.api.getMasks({ imageId: first.id })).review.status).toBe('corrected');
    await expect.poll(() => app.page.getByTestId('queue-item-1').getAttribute('class')).toMatch(/active/);
    expect(await text(app.page.getByTestId('review-status'))).toBe('unreviewed');
  });

  it('stays on the image after Accept when the setting is off', async () => {
    await app.page.getByTestId('advance-on-accept').uncheck();
    await expect.poll(async () => (await app.client.api.getSettings()).advanceOnAccept).toBe(false);
    await app.page.getByTestId('accept').click();
    await expect.poll(() => text(app.page.getByTestId('review-status'))).toBe('accepted');
    expect(await app.page.getByTestId('queue-item-1').getAttribute('class')).toMatch(/active/);
    await expect.poll(() => text(app.page.getByTestId('review-progress'))).toBe('2 of 3 reviewed');
    // Back to the default for the steps below; image 2 is reviewed again from scratch there.
    await app.page.getByTestId('advance-on-accept').check();
    await expect.poll(async () => (await app.client.api.getSettings()).advanceOnAccept).toBe(true);
    await app.page.getByTestId('advance-on-accept').blur(); // keys typed into a field are not shortcuts
    await app.page.keyboard.press('u');
    await expect.poll(() => text(app.page.getByTestId('review-progress'))).toBe('1 of 3 reviewed');
    await app.page.getByTestId('queue-item-0').click();
    await expect.poll(() => text(app.page.getByTestId('review-status'))).toBe('accepted with corrections');
  });

  it('offers window presets for the modality and shows W/L while adjusting', async () => {
    // A PNG: no Hounsfield presets (they mean nothing outside CT), percentile windows instead.
    const presets = await app.page.getByTestId('window-presets').getByRole('button').allTextContents();
    expect(presets.map((p) => p.trim())).toEqual(['Auto (W)', 'Full range', '1–99 %', '5–95 %']);
    const wl = app.page.getByTestId('window-level');
    const before = await text(wl);
    expect(before).toMatch(/^W [\d.]+ L -?[\d.]+$/);
    const box = (await app.page.getByTestId('viewer-canvas').boundingBox())!;
    await app.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await app.page.mouse.down({ button: 'right' });
    await app.page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 - 40, { steps: 4 });
    expect(await wl.getAttribute('class')).toMatch(/adjusting/);
    const during = await text(wl);
    expect(during).not.toBe(before);
    await screenshot(app.page, 'review-window-adjusting');
    await app.page.mouse.up({ button: 'right' });
    expect(await wl.getAttribute('class')).not.toMatch(/adjusting/);
    expect(await text(wl)).toBe(during); // still shown after adjusting
    await app.page.getByTestId('window-preset-Full range').click();
    const { range } = await app.client.api.getImage({ imageId: first.id });
    const full = formatWindow({ center: (range.min + range.max) / 2, width: range.max - range.min });
    expect(await text(wl)).toBe(full.replace(/\s+/g, ' '));
    await app.page.keyboard.press('w');
    await expect.poll(() => text(wl)).toBe(before);
  });

  it('finds everything as it was left after a restart of the web shell', async () => {
    await app.restartServer();
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId(`recent-Review test`).click();
    await app.page.getByTestId('section-data').waitFor();
    await app.page.getByTestId('nav-review').click();
    await expect.poll(() => text(app.page.getByTestId('review-status'))).toBe('accepted with corrections');
    expect(await app.page.getByTestId('undo').isEnabled()).toBe(true);
    const m = await app.client.api.getMasks({ imageId: first.id });
    expect(Buffer.compare(Buffer.from(m.corrected!), Buffer.from(afterStroke))).toBe(0);
    expect(projectDir).toContain('Review test');
    await expect.poll(() => text(app.page.getByTestId('save-state'))).toBe('saved');
    await screenshot(app.page, 'review-after-restart');
  });

  it('fills a lasso outline, dilates it, and undoes the dilation as one step', async () => {
    await app.page.getByTestId('queue-item-1').click();
    await expect.poll(() => text(app.page.getByTestId('save-state'))).toBe('nothing drawn');
    const second = (await app.client.api.listImages({}))[1]!;
    await app.page.getByTestId('tool-lasso').click();
    const box = (await app.page.getByTestId('viewer-canvas').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await app.page.mouse.move(cx - 50, cy - 50);
    await app.page.mouse.down();
    for (const [dx, dy] of [
      [50, -50],
      [50, 50],
      [-50, 50],
      [-50, -50],
    ] as const)
      await app.page.mouse.move(cx + dx, cy + dy, { steps: 3 });
    await app.page.mouse.up();
    await expect.poll(() => text(app.page.getByTestId('save-state'))).toBe('saved');
    const count = (m: Uint8Array | null) => (m ? m.reduce((n, v) => n + (v ? 1 : 0), 0) : 0);
    const lassoed = count((await app.client.api.getMasks({ imageId: second.id })).corrected);
    const view = fitViewport(second.cols, second.rows, box.width, box.height);
    const side = 100 / view.scale; // the square's side in image pixels
    expect(Math.abs(lassoed - side * side) / (side * side)).toBeLessThan(0.05);

    await app.page.getByTestId('dilate').click();
    await expect
      .poll(async () => count((await app.client.api.getMasks({ imageId: second.id })).corrected))
      .toBeGreaterThan(lassoed);
    await app.page.getByTestId('undo').click();
    await expect
      .poll(async () => count((await app.client.api.getMasks({ imageId: second.id })).corrected))
      .toBe(lassoed);
    // Islands smaller than the limit go; the square is one island of `lassoed` pixels.
    await app.page.locator('input[aria-label="smallest island kept, in pixels"]').fill(String(lassoed + 1));
    await app.page.getByTestId('remove-islands').click();
    await expect
      .poll(async () => count((await app.client.api.getMasks({ imageId: second.id })).corrected))
      .toBe(0);
    await app.page.getByTestId('undo').click();
    await expect
      .poll(async () => count((await app.client.api.getMasks({ imageId: second.id })).corrected))
      .toBe(lassoed);
    await screenshot(app.page, 'review-lasso');
  });

  it('picks tools by their keys: cuts a hole with the lasso cut (K) and floods it back with the fill (I)', async () => {
    const second = (await app.client.api.listImages({}))[1]!;
    const count = (m: Uint8Array | null) => (m ? m.reduce((n, v) => n + (v ? 1 : 0), 0) : 0);
    const corrected = async () => count((await app.client.api.getMasks({ imageId: second.id })).corrected);
    const square = await corrected();
    expect(square).toBeGreaterThan(0);
    await app.page.keyboard.press('k');
    await expect.poll(() => app.page.getByTestId('tool-lasso-cut').getAttribute('class')).toContain('on');
    const box = (await app.page.getByTestId('viewer-canvas').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await app.page.mouse.move(cx - 20, cy - 20);
    await app.page.mouse.down();
    for (const [dx, dy] of [
      [20, -20],
      [20, 20],
      [-20, 20],
      [-20, -20],
    ] as const)
      await app.page.mouse.move(cx + dx, cy + dy, { steps: 3 });
    await app.page.mouse.up();
    // A hole inside the square: fewer pixels, and the ring around it left.
    await expect.poll(corrected).toBeLessThan(square);
    const ring = await corrected();
    expect(ring).toBeGreaterThan(square / 2);

    await app.page.keyboard.press('i');
    await expect.poll(() => app.page.getByTestId('tool-fill').getAttribute('class')).toContain('on');
    await app.page.mouse.click(cx, cy);
    // The hole is the background the ring encloses: the fill gives back exactly the square.
    await expect.poll(corrected).toBe(square);
  });

  it('shows the keyboard shortcuts with ?', async () => {
    await app.page.keyboard.press('?');
    await app.page.getByTestId('shortcut-help').waitFor();
    await screenshot(app.page, 'review-shortcuts');
    await app.page.keyboard.press('Escape');
  });

  it('logged no console errors but the browser reporting reconnection attempts during the restart', () => {
    expect(app.errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
  });
});
