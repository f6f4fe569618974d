// End to end: an evaluation on the Evaluate screen is kept in the project. It is listed after a page
// reload and after the web shell restarts, and opens again with its table. A report that fails to save
// does not leave the earlier "Saved" message beside its error.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { screenshot, text } from '../helpers/browser.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { waitForJob } from '../helpers/ws-api.js';
import { SHARED_DIR } from '../helpers/temp.js';
import { copyBusBra } from '../helpers/data.js';

describe('evaluations kept in the project', () => {
  const app = useWebShellApp({
    name: 'evaluations',
    viewport: { width: 1400, height: 1000 },
    project: { name: 'Evaluations test', images: 3, dataset: 'labeled' },
    keepClient: true,
    prepare: async ({ client }) => {
      const { teacher } = await client.api.importTeacher({
        path: join(SHARED_DIR, 'teachers', 'fcn-busi.json'),
      });
      const datasetId = (await client.api.listDatasets())[0]!.id;
      const pl = await client.api.runPseudoLabels({ teacherIds: [teacher.id], datasetId });
      expect((await waitForJob(client.api, pl.jobId, 120_000)).state).toBe('done');
    },
  });
  const projectDir = join(app.dir, 'Evaluations test');
  /** The per-image table as the screen shows it: one line per row. */
  const caseRows = async () =>
    (await app.page.getByTestId('eval-cases').locator('tbody tr').allTextContents()).map((r) =>
      r.replace(/\s+/g, ' ').trim(),
    );

  let firstRows: string[] = [];

  it('evaluates and lists the evaluation with its date and dataset', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-evaluate').click();
    expect(await app.page.getByTestId('eval-earlier').count()).toBe(0);
    await app.page.getByTestId('eval-run').click();
    await app.page.getByTestId('eval-summary').waitFor();
    firstRows = await caseRows();
    expect(firstRows).toHaveLength(3);
    expect(await text(app.page.getByTestId('eval-shown'))).toMatch(/^labeled, evaluated /);
    const listed = app.page.getByTestId('eval-earlier').locator('tbody tr');
    expect(await listed.count()).toBe(1);
    expect(await text(listed.first())).toMatch(/labeled\s*3\s*teacher: fcn-busi 0\.\d{3}/);
    expect(await text(listed.first().getByRole('button'))).toBe('Shown');
  });

  it('clears a "Saved" message when a later save fails, showing only the error', async () => {
    const good = join(app.dir, 'report.html');
    await app.page.getByTestId('report-file').fill(good);
    await app.page.getByTestId('save-report').click();
    await expect.poll(() => text(app.page.getByTestId('report-saved'))).toBe(`Saved ${good}`);
    await app.page.getByTestId('report-file').fill(join(app.dir, 'no-such-folder', 'report.html'));
    await app.page.getByTestId('save-report').click();
    await expect.poll(() => app.page.getByTestId('eval-error').count()).toBe(1);
    expect(await text(app.page.getByTestId('eval-error'))).toMatch(/does not exist: .*no-such-folder/);
    expect(await app.page.getByTestId('report-saved').count()).toBe(0);
    // A new evaluation clears the error too; it is listed above the first.
    await app.page.getByTestId('eval-run').click();
    await expect.poll(() => app.page.getByTestId('eval-earlier').locator('tbody tr').count()).toBe(2);
    expect(await app.page.getByTestId('eval-error').count()).toBe(0);
  });

  it('lists both after a page reload, and opens the first with its table', async () => {
    await app.page.reload();
    await app.page.getByTestId('nav-evaluate').click();
    const listed = app.page.getByTestId('eval-earlier').locator('tbody tr');
    await expect.poll(() => listed.count()).toBe(2);
    // Nothing is shown until one is opened: the oldest is the last row.
    expect(await app.page.getByTestId('eval-summary').count()).toBe(0);
    await listed.last().getByRole('button', { name: 'Open' }).click();
    await app.page.getByTestId('eval-summary').waitFor();
    expect(await caseRows()).toEqual(firstRows);
  });

  it('lists them after the web shell restarts, and opens one with the same table', async () => {
    // The page leaves first: a page left open would (rightly) log its failed reconnection attempts.
    await app.page.goto('about:blank');
    await app.restartServer();
    await app.client.api.openProject({ path: projectDir });
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-evaluate').click();
    const listed = app.page.getByTestId('eval-earlier').locator('tbody tr');
    await expect.poll(() => listed.count()).toBe(2);
    await listed.last().getByRole('button', { name: 'Open' }).click();
    await app.page.getByTestId('eval-summary').waitFor();
    expect(await caseRows()).toEqual(firstRows);
    expect(await text(listed.last().getByRole('button'))).toBe('Shown');
    await screenshot(app.page, 'evaluations-kept');
  });

  it("keeps the evaluations of a deleted dataset, marked so, apart from a new import's images", async () => {
    const gone = (await app.client.api.listDatasets())[0]!;
    const goneImages = (await app.client.api.listImages({ datasetId: gone.id })).map((i) => i.id);
    await app.client.api.deleteDataset({ datasetId: gone.id });
    // The next import takes the deleted ids again; the old evaluations must not point at its images.
    const again = copyBusBra(join(app.dir, 'again'), 3);
    const job = await app.client.api.importImages({
      path: again.images,
      dataset: 'later',
      masksPath: again.masks,
    });
    expect((await waitForJob(app.client.api, job.jobId)).state).toBe('done');
    const later = (await app.client.api.listDatasets()).find((d) => d.name === 'later')!;
    expect(later.id).toBe(gone.id);
    expect((await app.client.api.listImages({ datasetId: later.id })).map((i) => i.id)).toEqual(goneImages);

    await app.page.reload();
    await app.page.getByTestId('nav-evaluate').click();
    const listed = app.page.getByTestId('eval-earlier').locator('tbody tr');
    await expect.poll(() => listed.count()).toBe(2);
    for (const e of await app.client.api.listEvaluations())
      expect(await text(app.page.getByTestId(`eval-deleted-${e.id}`))).toBe('· dataset deleted');
    await listed.last().getByRole('button', { name: 'Open' }).click();
    await app.page.getByTestId('eval-summary').waitFor();
    expect(await text(app.page.getByTestId('eval-shown'))).toMatch(
      /^labeled \(dataset deleted\), evaluated /,
    );
    expect(await caseRows()).toEqual(firstRows);
    // A case's image is gone with its dataset: the screen says so instead of opening another image.
    await app.page.getByTestId('eval-cases').locator('tbody tr').first().click();
    await expect.poll(() => app.page.getByTestId('case-compare-gone').count()).toBe(1);
    expect(await text(app.page.getByTestId('case-compare-gone'))).toMatch(
      /^bus_\S+ cannot be shown side by side: its image was deleted with its dataset\./,
    );
    expect(await app.page.getByTestId('case-compare-card').count()).toBe(0);
    await screenshot(app.page, 'evaluations-dataset-deleted');
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
