// End to end: a CT series (synthesised with dcmjs) imported with its ground truth as a NIfTI label volume
// and a reviewed mask on every slice; the Evaluate screen shows its per-volume row (3-D Dice, HD95 in mm).
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeNiftiMask } from '../../electron/io/masks/nifti.js';
import { scanFolder } from '../../electron/io/scan.js';
import { text } from '../helpers/browser.js';
import { writeCtSeries } from '../helpers/synth-dicom.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';
import { waitForJob } from '../helpers/ws-api.js';

const [ROWS, COLS, N] = [6, 8, 5];
const full = () => new Uint8Array(ROWS * COLS).fill(1);
const empty = () => new Uint8Array(ROWS * COLS);

describe('per-volume scores on the Evaluate screen', () => {
  const app = useWebShellApp({
    name: 'evaluate-volumes',
    viewport: { width: 1400, height: 1000 },
    project: { name: 'Volumes test' },
    prepare: async ({ client, dir }) => {
      // Slices 2 mm apart, files in a shuffled order; truth = slice 1, reviewed = slices 1 and 3.
      const order = [3, 0, 4, 1, 2];
      const series = writeCtSeries(
        join(dir, 'ct'),
        order.map((k) => ({ position: [0, 0, 2 * k] as [number, number, number] })),
        { description: 'volume e2e' },
      );
      const stack = (await scanFolder(series.dir)).stacks[0]!;
      mkdirSync(join(dir, 'ct-masks'));
      const truth = {
        rows: ROWS,
        cols: COLS,
        slices: [0, 1, 2, 3, 4].map((k) => (k === 1 ? full() : empty())),
        segments: [],
      };
      // Masks pair with a series by the name of its first file in slice order.
      const first = basename(stack.files[0]!).replace(/\.dcm$/, '');
      writeFileSync(join(dir, 'ct-masks', `${first}.nii.gz`), writeNiftiMask(truth, stack));
      const job = await client.api.importImages({
        path: series.dir,
        dataset: 'ct',
        masksPath: join(dir, 'ct-masks'),
      });
      expect((await waitForJob(client.api, job.jobId)).state).toBe('done');
      const datasetId = (await client.api.listDatasets()).find((d) => d.name === 'ct')!.id;
      const images = await client.api.listImages({ datasetId });
      expect(images).toHaveLength(N);
      expect(images.every((i) => i.hasGroundTruth)).toBe(true);
      // Each file holds one slice: file f is slice order[f] along the normal.
      for (const img of images) {
        const k = order[Number(/slice_(\d+)/.exec(img.name)![1])]!;
        const mask = k === 1 || k === 3 ? full().fill(255) : empty();
        await client.api.saveMaskEdit({ imageId: img.id, mask, tool: 'brush' });
      }
    },
  });

  it('lists the series with its 3-D Dice and HD95 in mm', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-evaluate').click();
    const select = app.page.getByTestId('eval-dataset');
    await select.selectOption({
      label: (await select.locator('option', { hasText: /^ct / }).textContent())!.trim(),
    });
    await app.page.getByTestId('eval-run').click();
    await app.page.getByTestId('eval-volumes').waitFor();
    const table = app.page.getByTestId('eval-volumes').locator('tbody tr');
    expect(await table.count()).toBe(1);
    const cells = (await table.first().locator('td').allTextContents()).map((c) => c.trim());
    // 48 shared voxels of 48 + 96: Dice 0.667; a third of the surface distances are two slices: 4.0 mm.
    expect(cells).toEqual(['reviewed', expect.stringMatching(/^ct \(series …\d+\)$/), '5', '0.667', '4.0']);
    expect(await text(app.page.getByTestId('eval-volumes'))).toMatch(/Per-volume metrics over all voxels/);
    expect(app.errors).toEqual([]);
  });
});
