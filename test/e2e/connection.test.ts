// End to end: the web shell goes away while the page is open. The page says so once, app-wide, keeps
// what it showed (no screen claims the project is empty), retries by itself, and is back, with the
// project open again, when the server returns on the same port and token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, text, watchErrors } from '../helpers/browser.js';
import { startWebShellProcess, type WebShellProcess } from '../helpers/web-shell-process.js';
import { connectWsApi, waitForJob } from '../helpers/ws-api.js';
import { tempDir } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

/** A port free right now, to start the web shell on the same one twice. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('a lost connection to the web shell', () => {
  const t = tempDir('apprentice-e2e-connection-');
  const userData = join(t.dir, 'user-data');
  const token = 'e2e-connection-token-0123456789abcdef';
  let args: string[];
  let browser: Browser;
  let server: WebShellProcess;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    const { images } = copyBusBra(t.dir, 3);
    args = ['--port', String(await freePort()), '--token', token];
    browser = await launchChromium();
    server = await startWebShellProcess(userData, {}, args);
    const client = await connectWsApi(server.loginUrl);
    await client.api.createProject({ parentDir: t.dir, name: 'Connection test' });
    const job = await client.api.importImages({ path: images, dataset: 'bus' });
    expect((await waitForJob(client.api, job.jobId)).state).toBe('done');
    client.close();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    errors = watchErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  it('(Data) offers Browse for the manifest, listing its CSV files', async () => {
    writeFileSync(join(t.dir, 'manifest.csv'), 'file,case\n');
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-data').click();
    await page.getByTestId('dataset-bus').waitFor();
    const manifest = page.getByTestId('import-manifest');
    await manifest.fill(t.dir);
    await manifest.locator('xpath=..').getByRole('button', { name: 'Browse…' }).click();
    await page.getByTestId('file-manifest.csv').click();
    expect(await manifest.inputValue()).toBe(join(t.dir, 'manifest.csv'));
  });

  it('shows the loss once, app-wide, and keeps what the screens showed', async () => {
    await page.getByTestId('nav-data').click();
    await page.getByTestId('dataset-bus').waitFor();
    await page.getByTestId('nav-review').click();
    await expect.poll(() => text(page.getByTestId('review-progress'))).toBe('0 of 3 reviewed');

    await server.stop();
    await page.getByTestId('connection-banner').waitFor();
    expect(await page.getByTestId('connection-banner').count()).toBe(1);
    expect(await text(page.getByTestId('connection-banner'))).toMatch(
      /Not connected to the Apprentice server/,
    );
    // The queue is still there, not "No images".
    expect(await text(page.getByTestId('review-progress'))).toBe('0 of 3 reviewed');

    await page.getByTestId('nav-data').click();
    await page.getByTestId('dataset-bus').waitFor();
    expect(await page.getByTestId('datasets-empty').count()).toBe(0);
    expect(await page.getByTestId('import-error').count()).toBe(0);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await page.getByTestId('nav-teachers').click();
    expect(await text(page.getByTestId('section-teachers'))).not.toMatch(/None yet/);
    await page.getByTestId('nav-data').click();
    // Trying at once while the server is still gone: still not connected, still one banner.
    await page.getByTestId('reconnect-now').click();
    await expect.poll(() => text(page.getByTestId('connection-banner'))).toMatch(/Retrying in \d+ s/);
    expect(await page.getByTestId('connection-banner').count()).toBe(1);
    await screenshot(page, 'connection-lost');
  });

  it('(Train, Export, Transfer) opened while the server is gone claim nothing about the project', async () => {
    // First visits: these screens never loaded, so they can only say they are not loaded.
    await page.getByTestId('nav-train').click();
    await expect.poll(() => text(page.getByTestId('students-not-loaded'))).toBe('Not loaded: not connected.');
    expect(await text(page.getByTestId('section-train'))).not.toMatch(
      /None trained yet|Not connected to the/,
    );
    await screenshot(page, 'connection-lost-train');
    await page.getByTestId('nav-export').click();
    await expect
      .poll(() => text(page.getByTestId('export-students-not-loaded')))
      .toBe('Not loaded: not connected.');
    expect(await text(page.getByTestId('section-export'))).not.toMatch(
      /No trained student yet|Not connected to the/,
    );
    await screenshot(page, 'connection-lost-export');
    await page.getByTestId('nav-transfer').click();
    await expect
      .poll(() => text(page.getByTestId('transfer-history-not-loaded')))
      .toBe('Not loaded: not connected.');
    expect(await page.getByTestId('transfer-history-empty').count()).toBe(0);
    expect(await text(page.getByTestId('transfer-history'))).not.toMatch(/None yet/);
    // The loss is told once, by the banner: the screen adds no error of its own.
    expect(await text(page.getByTestId('section-transfer'))).not.toMatch(/Not connected to the/);
    await page.getByTestId('transfer-history').scrollIntoViewIfNeeded();
    await screenshot(page, 'connection-lost-transfer');
    expect(await page.getByTestId('connection-banner').count()).toBe(1);
  });

  it('reconnects when the server is back on the same port and token, with the project open', async () => {
    server = await startWebShellProcess(userData, {}, args);
    await page.getByTestId('reconnect-now').click();
    await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 30_000 });
    await expect.poll(() => text(page.getByTestId('current-project'))).toBe('Connection test');
    // The screen left open while disconnected loads by itself: the project truly has no runs yet.
    await page.getByTestId('transfer-history-empty').waitFor();
    expect(await page.getByTestId('transfer-history-not-loaded').count()).toBe(0);
    await screenshot(page, 'connection-back-transfer');
    await page.getByTestId('nav-train').click();
    await page.getByTestId('students-empty').waitFor();
    await screenshot(page, 'connection-back-train');
    await page.getByTestId('nav-export').click();
    await page.getByTestId('export-students-empty').waitFor();
    await page.getByTestId('nav-data').click();
    await page.getByTestId('dataset-bus').waitFor();
    expect(await text(page.getByTestId('dataset-bus').getByTestId('dataset-count'))).toBe('3');
    // Calls work again: the review queue loads from the restarted server.
    await page.getByTestId('nav-review').click();
    await expect.poll(() => text(page.getByTestId('review-progress'))).toBe('0 of 3 reviewed');
    await screenshot(page, 'connection-back');
  });

  it('logged no errors but the browser reporting the refused connection attempts', () => {
    const refused = /WebSocket connection to .* failed|net::ERR_CONNECTION_REFUSED/;
    expect(errors.filter((e) => !refused.test(e))).toEqual([]);
  });
});
