// End to end: when the engine runs on the slow JavaScript fallback (the native addon disabled), the app
// says so, with why, in a banner above every screen; dismissed, it stays away after a reload, and a
// different notice (another cause) is shown again.
import { describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { freePort } from '../helpers/free-port.js';

// The web shell inherits the environment: no addon, and the native path asked for explicitly, so that
// a machine with a GPU does not take it instead (no notice there).
process.env.APPRENTICE_DISABLE_ADDON = '1';
process.env.APPRENTICE_BACKEND = 'native';

describe('the compute notice', () => {
  const app = useWebShellApp({
    name: 'compute-notice',
    viewport: { width: 1280, height: 720 },
    webArgs: async () => [
      '--port',
      String(await freePort()),
      '--token',
      'e2e-compute-notice-0123456789abcdef',
    ],
  });
  const banner = () => app.page.getByTestId('compute-notice');

  it('shows the slow fallback and why, on every screen', async () => {
    await app.page.goto(app.server.loginUrl);
    await banner().waitFor();
    expect(await text(banner())).toMatch(/training runs on the slow JavaScript fallback/);
    expect(await text(app.page.getByTestId('compute-notice-why'))).toBe(
      'Why: the native addon is disabled (APPRENTICE_DISABLE_ADDON=1): JavaScript convolutions',
    );
    expect(await text(app.page.getByTestId('backend-badge'))).toBe('js-cpu');
    copyFileSync(await screenshot(app.page, 'compute-notice'), '/tmp/a-banner.png');
    await app.page.getByTestId('nav-transfer').click();
    expect(await banner().count()).toBe(1);
  });

  it('once dismissed, is not shown again after a reload', async () => {
    await app.page.getByTestId('compute-notice-dismiss').click();
    expect(await banner().count()).toBe(0);
    await app.page.reload();
    // The app info (which carries the notice) has arrived once the backend badge shows.
    await app.page.getByTestId('backend-badge').waitFor();
    expect(await banner().count()).toBe(0);
  });

  it('shows a different notice again', async () => {
    process.env.APPRENTICE_BACKEND = 'cpu';
    // Off the app while the server restarts, so the page does not log its reconnection attempts.
    await app.page.goto('about:blank');
    await app.restartServer();
    await app.page.goto(app.server.loginUrl);
    await banner().waitFor();
    expect(await text(banner())).toMatch(
      /Using the stock JavaScript cpu backend: training will be very slow/,
    );
    expect(await app.page.getByTestId('compute-notice-why').count()).toBe(0);
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
