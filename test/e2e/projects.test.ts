// End to end: the real `apprentice web` process, the real built renderer, Debian's Chromium.
// Create a project, see the About panel, restart the server, reopen the project from the recent list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, text, watchErrors } from '../helpers/browser.js';
import { startWebShellProcess, type WebShellProcess } from '../helpers/web-shell-process.js';
import { REPO_ROOT, tempDir } from '../helpers/temp.js';

describe('projects through the web shell', () => {
  const t = tempDir('apprentice-e2e-');
  const userData = join(t.dir, 'user-data');
  const projectsDir = t.dir;
  let browser: Browser;
  let server: WebShellProcess;
  let page: Page;
  let errors: string[];
  const notFound: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'renderer', 'index.html'))) {
      throw new Error('dist/renderer is missing: run "npm run build:renderer" (npm test does it first)');
    }
    browser = await launchChromium();
    server = await startWebShellProcess(userData);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = watchErrors(page);
    page.on('response', (r) => {
      if (r.status() === 404) notFound.push(r.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  it('creates a project from the projects page', async () => {
    await page.goto(server.loginUrl);
    await page.getByTestId('new-name').fill('Breast US transfer');
    await page.getByTestId('new-parent').fill(projectsDir);
    await page.getByTestId('create-project').click();
    await expect.poll(() => text(page.getByTestId('current-project'))).toBe('Breast US transfer');
    await expect.poll(() => page.url()).toMatch(/#\/data$/);
    expect(existsSync(join(projectsDir, 'Breast US transfer', 'project.sqlite'))).toBe(true);
    await screenshot(page, 'projects-created');
  });

  it('explains a refused project in words, without crashing', async () => {
    await page.getByTestId('nav-projects').click();
    await page.getByTestId('new-name').fill('Breast US transfer');
    await page.getByTestId('new-parent').fill(projectsDir);
    await page.getByTestId('create-project').click();
    await expect.poll(() => text(page.getByTestId('project-error'))).toMatch(/already|exists/i);
    await page.getByTestId('new-parent').fill(join(projectsDir, 'no-such-folder'));
    await page.getByTestId('create-project').click();
    await expect.poll(() => text(page.getByTestId('project-error'))).toMatch(/does not exist/);
  });

  it('shows versions and the active compute backend in the About panel', async () => {
    await page.getByTestId('about-button').click();
    const panel = page.getByTestId('about-panel');
    await panel.waitFor();
    await expect.poll(() => text(page.getByTestId('app-version'))).toMatch(/^\d+\.\d+\.\d+/);
    expect(await text(page.getByTestId('compute-backend'))).toMatch(/\S/);
    expect(await text(page.getByTestId('versions'))).toMatch(/node/);
    await screenshot(page, 'about-panel');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });

  it('saves a setting that is still there after the restart below', async () => {
    await page.getByTestId('settings-button').click();
    await page.getByTestId('setting-backend').selectOption('cpu');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    await page.keyboard.press('Escape');
  });

  it('reopens the project from the recent list after the web shell restarts', async () => {
    await server.stop();
    server = await startWebShellProcess(userData);
    await page.goto(server.loginUrl);
    const recent = page.getByTestId('recent-Breast US transfer');
    await recent.waitFor();
    await recent.click();
    await expect.poll(() => text(page.getByTestId('current-project'))).toBe('Breast US transfer');
    await page.getByTestId('nav-projects').click();
    await expect.poll(() => text(page.getByTestId('open-project'))).toMatch(/Breast US transfer/);
    await screenshot(page, 'projects-reopened');
    await page.getByTestId('settings-button').click();
    expect(await page.getByTestId('setting-backend').inputValue()).toBe('cpu');
    await page.keyboard.press('Escape');
  });

  it('logged no console errors but the browser reporting reconnection attempts during the restart', () => {
    expect(notFound).toEqual([]);
    // The page retries while the server restarts; Chromium logs each refused attempt itself.
    expect(errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
  });
});
