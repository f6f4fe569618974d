// End to end: an evaluation on the Evaluate screen is kept in the project. It is listed after a page
// reload and after the web shell restarts, and opens again with its table. A report that fails to save
// does not leave the earlier "Saved" message beside its error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, text, watchErrors } from '../helpers/browser.js';
import { startWebShellProcess, type WebShellProcess } from '../helpers/web-shell-process.js';
import { connectWsApi, waitForJob, type WsApi } from '../helpers/ws-api.js';
import { SHARED_DIR, tempDir } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

describe('evaluations kept in the project', () => {
  const t = tempDir('apprentice-e2e-evaluations-');
  const userData = join(t.dir, 'user-data');
  const projectDir = join(t.dir, 'Evaluations test');
  let browser: Browser;
  let server: WebShellProcess;
  let client: WsApi;
  let page: Page;
  let errors: string[];
  /** The per-image table as the screen shows it: one line per row. */
  const caseRows = async () =>
    (await page.getByTestId('eval-cases').locator('tbody tr').allTextContents()).map((r) =>
      r.replace(/\s+/g, ' ').trim(),
    );

  beforeAll(async () => {
    const { images, masks } = copyBusBra(t.dir, 3);
    browser = await launchChromium();
    server = await startWebShellProcess(userData);
    client = await connectWsApi(server.loginUrl);
    await client.api.createProject({ parentDir: t.dir, name: 'Evaluations test' });
    const job = await client.api.importImages({ path: images, dataset: 'labeled', masksPath: masks });
    expect((await waitForJob(client.api, job.jobId)).state).toBe('done');
    const { teacher } = await client.api.importTeacher({
      path: join(SHARED_DIR, 'teachers', 'fcn-busi.json'),
    });
    const datasetId = (await client.api.listDatasets())[0]!.id;
    const pl = await client.api.runPseudoLabels({ teacherIds: [teacher.id], datasetId });
    expect((await waitForJob(client.api, pl.jobId, 120_000)).state).toBe('done');
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    errors = watchErrors(page);
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  let firstRows: string[] = [];

  it('evaluates and lists the evaluation with its date and dataset', async () => {
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-evaluate').click();
    expect(await page.getByTestId('eval-earlier').count()).toBe(0);
    await page.getByTestId('eval-run').click();
    await page.getByTestId('eval-summary').waitFor();
    firstRows = await caseRows();
    expect(firstRows).toHaveLength(3);
    expect(await text(page.getByTestId('eval-shown'))).toMatch(/^labeled, evaluated /);
    const listed = page.getByTestId('eval-earlier').locator('tbody tr');
    expect(await listed.count()).toBe(1);
    expect(await text(listed.first())).toMatch(/labeled\s*3\s*teacher: fcn-busi 0\.\d{3}/);
    expect(await text(listed.first().getByRole('button'))).toBe('Shown');
  });

  it('clears a "Saved" message when a later save fails, showing only the error', async () => {
    const good = join(t.dir, 'report.html');
    await page.getByTestId('report-file').fill(good);
    await page.getByTestId('save-report').click();
    await expect.poll(() => text(page.getByTestId('report-saved'))).toBe(`Saved ${good}`);
    await page.getByTestId('report-file').fill(join(t.dir, 'no-such-folder', 'report.html'));
    await page.getByTestId('save-report').click();
    await expect.poll(() => page.getByTestId('eval-error').count()).toBe(1);
    expect(await text(page.getByTestId('eval-error'))).toMatch(/does not exist: .*no-such-folder/);
    expect(await page.getByTestId('report-saved').count()).toBe(0);
    // A new evaluation clears the error too; it is listed above the first.
    await page.getByTestId('eval-run').click();
    await expect.poll(() => page.getByTestId('eval-earlier').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('eval-error').count()).toBe(0);
  });

  it('lists both after a page reload, and opens the first with its table', async () => {
    await page.reload();
    await page.getByTestId('nav-evaluate').click();
    const listed = page.getByTestId('eval-earlier').locator('tbody tr');
    await expect.poll(() => listed.count()).toBe(2);
    // Nothing is shown until one is opened: the oldest is the last row.
    expect(await page.getByTestId('eval-summary').count()).toBe(0);
    await listed.last().getByRole('button', { name: 'Open' }).click();
    await page.getByTestId('eval-summary').waitFor();
    expect(await caseRows()).toEqual(firstRows);
  });

  it('lists them after the web shell restarts, and opens one with the same table', async () => {
    // The page leaves first: a page left open would (rightly) log its failed reconnection attempts.
    await page.goto('about:blank');
    client.close();
    await server.stop();
    server = await startWebShellProcess(userData);
    client = await connectWsApi(server.loginUrl);
    await client.api.openProject({ path: projectDir });
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-evaluate').click();
    const listed = page.getByTestId('eval-earlier').locator('tbody tr');
    await expect.poll(() => listed.count()).toBe(2);
    await listed.last().getByRole('button', { name: 'Open' }).click();
    await page.getByTestId('eval-summary').waitFor();
    expect(await caseRows()).toEqual(firstRows);
    expect(await text(listed.last().getByRole('button'))).toBe('Shown');
    await screenshot(page, 'evaluations-kept');
  });

  it("keeps the evaluations of a deleted dataset, marked so, apart from a new import's images", async () => {
    const gone = (await client.api.listDatasets())[0]!;
    const goneImages = (await client.api.listImages({ datasetId: gone.id })).map((i) => i.id);
    await client.api.deleteDataset({ datasetId: gone.id });
    // The next import takes the deleted ids again; the old evaluations must not point at its images.
    const again = copyBusBra(join(t.dir, 'again'), 3);
    const job = await client.api.importImages({
      path: again.images,
      dataset: 'later',
      masksPath: again.masks,
    });
    expect((await waitForJob(client.api, job.jobId)).state).toBe('done');
    const later = (await client.api.listDatasets()).find((d) => d.name === 'later')!;
    expect(later.id).toBe(gone.id);
    expect((await client.api.listImages({ datasetId: later.id })).map((i) => i.id)).toEqual(goneImages);

    await page.reload();
    await page.getByTestId('nav-evaluate').click();
    const listed = page.getByTestId('eval-earlier').locator('tbody tr');
    await expect.poll(() => listed.count()).toBe(2);
    for (const e of await client.api.listEvaluations())
      expect(await text(page.getByTestId(`eval-deleted-${e.id}`))).toBe('· dataset deleted');
    await listed.last().getByRole('button', { name: 'Open' }).click();
    await page.getByTestId('eval-summary').waitFor();
    expect(await text(page.getByTestId('eval-shown'))).toMatch(/^labeled \(dataset deleted\), evaluated /);
    expect(await caseRows()).toEqual(firstRows);
    // A case's image is gone with its dataset: the screen says so instead of opening another image.
    await page.getByTestId('eval-cases').locator('tbody tr').first().click();
    await expect.poll(() => page.getByTestId('case-compare-gone').count()).toBe(1);
    expect(await text(page.getByTestId('case-compare-gone'))).toMatch(
      /^bus_\S+ cannot be shown side by side: its image was deleted with its dataset\./,
    );
    expect(await page.getByTestId('case-compare-card').count()).toBe(0);
    await screenshot(page, 'evaluations-dataset-deleted');
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
