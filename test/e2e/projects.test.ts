// End to end: the real `apprentice web` process, the real built renderer, Debian's Chromium.
// Create a project, see the About panel, restart the server, reopen the project from the recent list.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';

describe('projects through the web shell', () => {
  const app = useWebShellApp({ name: 'projects', viewport: { width: 1280, height: 800 } });
  const projectsDir = app.dir;
  const notFound: string[] = [];

  beforeAll(() => {
    app.page.on('response', (r) => {
      if (r.status() === 404) notFound.push(r.url());
    });
  });

  it('creates a project from the projects page', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('new-name').fill('Breast US transfer');
    await app.page.getByTestId('new-parent').fill(projectsDir);
    await app.page.getByTestId('create-project').click();
    await expect.poll(() => text(app.page.getByTestId('current-project'))).toBe('Breast US transfer');
    await expect.poll(() => app.page.url()).toMatch(/#\/data$/);
    expect(existsSync(join(projectsDir, 'Breast US transfer', 'project.sqlite'))).toBe(true);
    await screenshot(app.page, 'projects-created');
  });

  it('explains a refused project in words, without crashing', async () => {
    await app.page.getByTestId('nav-projects').click();
    await app.page.getByTestId('new-name').fill('Breast US transfer');
    await app.page.getByTestId('new-parent').fill(projectsDir);
    await app.page.getByTestId('create-project').click();
    await expect.poll(() => text(app.page.getByTestId('project-error'))).toMatch(/already|exists/i);
    await app.page.getByTestId('new-parent').fill(join(projectsDir, 'no-such-folder'));
    await app.page.getByTestId('create-project').click();
    await expect.poll(() => text(app.page.getByTestId('project-error'))).toMatch(/does not exist/);
  });

  it('shows versions and the active compute backend in the About panel', async () => {
    await app.page.getByTestId('about-button').click();
    const panel = app.page.getByTestId('about-panel');
    await panel.waitFor();
    await expect.poll(() => text(app.page.getByTestId('app-version'))).toMatch(/^\d+\.\d+\.\d+/);
    expect(await text(app.page.getByTestId('compute-backend'))).toMatch(/\S/);
    expect(await text(app.page.getByTestId('versions'))).toMatch(/node/);
    await screenshot(app.page, 'about-panel');
    await app.page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });

  it('saves a setting that is still there after the restart below', async () => {
    await app.page.getByTestId('settings-button').click();
    await app.page.getByTestId('setting-backend').selectOption('cpu');
    await app.page.getByTestId('setting-teacher-provider').selectOption('cpu');
    await app.page.getByTestId('settings-save').click();
    await app.page.getByTestId('settings-saved').waitFor();
    await app.page.keyboard.press('Escape');
  });

  it('reopens the project from the recent list after the web shell restarts', async () => {
    await app.server.stop();
    await app.startServer();
    await app.page.goto(app.server.loginUrl);
    const recent = app.page.getByTestId('recent-Breast US transfer');
    await recent.waitFor();
    await recent.click();
    await expect.poll(() => text(app.page.getByTestId('current-project'))).toBe('Breast US transfer');
    await app.page.getByTestId('nav-projects').click();
    await expect.poll(() => text(app.page.getByTestId('open-project'))).toMatch(/Breast US transfer/);
    await screenshot(app.page, 'projects-reopened');
    await app.page.getByTestId('settings-button').click();
    expect(await app.page.getByTestId('setting-backend').inputValue()).toBe('cpu');
    expect(await app.page.getByTestId('setting-teacher-provider').inputValue()).toBe('cpu');
    await screenshot(app.page, 'settings-after-restart');
    await app.page.keyboard.press('Escape');
  });

  it('logged no console errors but the browser reporting reconnection attempts during the restart', () => {
    expect(notFound).toEqual([]);
    // The page retries while the server restarts; Chromium logs each refused attempt itself.
    expect(app.errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
  });
});
