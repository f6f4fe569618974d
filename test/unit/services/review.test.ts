// The review operations of the AppApi on a real project with real BUS-BRA images, through dispatch().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import type { AppServices } from '../../../electron/services/app-services.js';
import { dispatch } from '../../../electron/services/dispatch.js';
import type { ImageListItem, ImageMasks, ImagePixels, MaskEditState } from '../../../shared/dto.js';
import { replyValue, servicesWithImportedProject } from '../../helpers/services.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';
import { copyBusBra } from '../../helpers/data.js';

describe('review: images, masks, edits', () => {
  const t = tempDir();
  const { names } = copyBusBra(t.dir, 3);
  let services: AppServices;
  let items: ImageListItem[];
  const call = (m: string, ...a: unknown[]) => dispatch(services.api, m, a, services.log);

  beforeAll(async () => {
    services = await servicesWithImportedProject(t.dir);
    items = replyValue(await call('listImages', {}));
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('lists images by name with their review status and layers', () => {
    expect(items.map((i) => i.name)).toEqual(names);
    expect(items[0]).toMatchObject({
      status: 'unreviewed',
      hasGroundTruth: true,
      hasPseudoLabel: false,
      hasCorrection: false,
    });
  });

  it('returns the pixels exactly as the file holds them, with a usable window', async () => {
    const img = replyValue<ImagePixels>(await call('getImage', { imageId: items[0]!.id }));
    const png = decode(readFileSync(join(t.dir, 'images', names[0]!)));
    expect([img.cols, img.rows]).toEqual([png.width, png.height]);
    expect(img.pixels).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(Buffer.from(img.pixels as Uint8Array), Buffer.from(png.data as Uint8Array))).toBe(
      0,
    );
    expect(img.window.width).toBeGreaterThan(0);
    expect(img.range.min).toBeLessThanOrEqual(img.window.center);
  });

  it('saves a drawn mask durably, undoes and redoes it byte for byte, and leaves the decision to the reviewer', async () => {
    const id = items[1]!.id;
    const { rows, cols } = items[1]!;
    const mask = new Uint8Array(rows * cols);
    mask.fill(255, 1000, 1400);
    const saved = replyValue<MaskEditState>(
      await call('saveMaskEdit', { imageId: id, mask, tool: 'brush', params: { radius: 5 } }),
    );
    expect(saved).toMatchObject({ canUndo: true, canRedo: false, edits: 1 });
    let masks = replyValue<ImageMasks>(await call('getMasks', { imageId: id }));
    expect(Buffer.compare(Buffer.from(masks.corrected!), Buffer.from(mask))).toBe(0);
    // A stroke is not a review: the image counts as reviewed only once accepted (or rejected).
    expect(masks.review.status).toBe('unreviewed');
    expect(replyValue<ImageListItem[]>(await call('listImages', {})).find((i) => i.id === id)).toMatchObject({
      status: 'unreviewed',
      hasCorrection: true,
    });
    const undone = replyValue<{ mask: Uint8Array | null; edit: MaskEditState }>(
      await call('undoMaskEdit', { imageId: id }),
    );
    expect(undone.mask).toBeNull();
    expect(undone.edit).toMatchObject({ canUndo: false, canRedo: true });
    const redone = replyValue<{ mask: Uint8Array | null }>(await call('redoMaskEdit', { imageId: id }));
    expect(Buffer.compare(Buffer.from(redone.mask!), Buffer.from(mask))).toBe(0);

    await services.api.closeProject();
    await services.api.openProject({ path: join(t.dir, 'p') });
    masks = replyValue<ImageMasks>(await call('getMasks', { imageId: id }));
    expect(Buffer.compare(Buffer.from(masks.corrected!), Buffer.from(mask))).toBe(0);
    expect(masks.edit.canUndo).toBe(true);
  });

  it('says which modality a DICOM image is (presets depend on it) and none for a PNG', async () => {
    expect(replyValue<ImagePixels>(await call('getImage', { imageId: items[0]!.id })).modality).toBeNull();
    const dicom = join(SHARED_DIR, 'data', 'dicom', 'pydicom-data');
    for (const [file, modality] of [
      ['693_UNCI.dcm', 'CT'],
      ['MR-SIEMENS-DICOM-WithOverlays.dcm', 'MR'],
    ] as const) {
      const job = await services.api.importImages({ path: join(dicom, file), dataset: `dicom-${modality}` });
      await services.jobs.wait(job.jobId);
      const datasetId = services.projects
        .require()
        .datasets.list()
        .find((d) => d.name === `dicom-${modality}`)!.id;
      const [item] = replyValue<ImageListItem[]>(await call('listImages', { datasetId }));
      expect(replyValue<ImagePixels>(await call('getImage', { imageId: item!.id })).modality).toBe(modality);
    }
  });

  it('records review decisions and notes', async () => {
    const id = items[2]!.id;
    expect(
      replyValue(await call('setReview', { imageId: id, status: 'rejected', note: 'shadowing' })),
    ).toEqual({
      status: 'rejected',
      flagged: false,
      note: 'shadowing',
    });
    const rejected = replyValue<ImageListItem[]>(await call('listImages', { status: 'rejected' }));
    expect(rejected.map((i) => i.id)).toEqual([id]);
  });

  it("returns each teacher's probability map and where they disagree", async () => {
    const store = services.projects.require();
    const id = items[0]!.id;
    const n = items[0]!.rows * items[0]!.cols;
    const a = store.teachers.add({ name: 'unet', kind: 'onnx', card: {} });
    const b = store.teachers.add({ name: 'fcn', kind: 'onnx', card: {} });
    const pa = new Uint8Array(n).fill(255);
    const pb = new Uint8Array(n);
    pb.fill(255, 0, n / 2); // agree on the first half, disagree fully on the second
    store.masks.put(id, { kind: 'probability', pixels: pa, teacherId: a.id });
    store.masks.put(id, { kind: 'probability', pixels: pb, teacherId: b.id });
    const m = replyValue<ImageMasks>(await call('getMasks', { imageId: id }));
    expect(m.teachers.map((t) => t.name)).toEqual(['unet', 'fcn']);
    expect(Buffer.compare(Buffer.from(m.teachers[1]!.probability), Buffer.from(pb))).toBe(0);
    expect(m.disagreement![0]).toBe(0);
    expect(m.disagreement![n - 1]).toBe(255);
  });

  it.each([
    [
      'a mask of the wrong size',
      () => ({ imageId: items[0]!.id, mask: new Uint8Array(10), tool: 'brush' }),
      'INVALID_ARGUMENT',
    ],
    [
      'a mask that is not bytes',
      () => ({ imageId: items[0]!.id, mask: [1, 2, 3], tool: 'brush' }),
      'INVALID_ARGUMENT',
    ],
    ['an unknown image', () => ({ imageId: 999_999, mask: new Uint8Array(4), tool: 'brush' }), 'NOT_FOUND'],
    ['image id 0', () => ({ imageId: 0, mask: new Uint8Array(4), tool: 'brush' }), 'INVALID_ARGUMENT'],
    [
      'huge tool parameters',
      () => ({
        imageId: items[0]!.id,
        mask: new Uint8Array(4),
        tool: 'brush',
        params: { p: 'x'.repeat(70_000) },
      }),
      'INVALID_ARGUMENT',
    ],
  ])('refuses %s, and nothing is saved', async (_name, args, code) => {
    const before = replyValue<ImageMasks>(await call('getMasks', { imageId: items[0]!.id })).edit.edits;
    const r = await call('saveMaskEdit', args());
    expect(r).toMatchObject({ ok: false, error: { code } });
    expect(replyValue<ImageMasks>(await call('getMasks', { imageId: items[0]!.id })).edit.edits).toBe(before);
  });
});
