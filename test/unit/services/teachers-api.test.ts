// The teacher operations of the AppApi on a real project: the ONNX teachers of ../shared/teachers on
// real BUS-BRA images, through dispatch() as a shell calls them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppServices } from '../../../electron/services/app-services.js';
import type { ImageListItem, PseudoLabelOptions } from '../../../shared/dto.js';
import { testServices } from '../../helpers/services.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';
import { copyBusBra } from '../../helpers/data.js';

const TEACHERS = join(SHARED_DIR, 'teachers');

describe('teachers through the API', () => {
  const t = tempDir();
  let services: AppServices;
  let datasetId: number;

  beforeAll(async () => {
    const { images } = copyBusBra(t.dir, 4, { masks: false });
    services = testServices(join(t.dir, 'ud'));
    await services.api.createProject({ parentDir: t.dir, name: 'p' });
    const job = await services.api.importImages({ path: images, dataset: 'transfer' });
    await services.jobs.wait(job.jobId);
    datasetId = (await services.api.listDatasets())[0]!.id;
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('imports teachers from their cards and lists their contracts', async () => {
    const a = await services.api.importTeacher({ path: join(TEACHERS, 'unet-busi.json') });
    const b = await services.api.importTeacher({ path: join(TEACHERS, 'resunet-busi.json') });
    expect(a.teacher).toMatchObject({
      name: 'unet-busi',
      kind: 'onnx',
      contract: 'N x 1 x 256 x 256, letterbox, logits',
    });
    expect(b.teacher.contract).toMatch(/N x 1 x 192 x 192, stretch, sigmoid/);
    expect((await services.api.listTeachers()).map((x) => x.name)).toEqual(['unet-busi', 'resunet-busi']);
  });

  it('refuses a file that is not a model, naming it', async () => {
    const junk = join(t.dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    await expect(services.api.importTeacher({ path: junk })).rejects.toThrow(/junk\.onnx/);
    expect(await services.api.listTeachers()).toHaveLength(2);
  });

  it('previews a teacher on three images with probability maps on their grids', async () => {
    const [teacher] = await services.api.listTeachers();
    const p = await services.api.previewTeacher({ teacherId: teacher!.id, datasetId });
    expect(p.images).toHaveLength(3);
    for (const img of p.images) {
      expect(img.probability).toBeInstanceOf(Uint8Array);
      expect(img.probability!.length).toBe(img.rows * img.cols);
      expect(img.stats!.maxProbability).toBeLessThanOrEqual(1);
    }
  });

  it('pseudo-labels the dataset with two teachers and orders the review queue by uncertainty', async () => {
    const teacherIds = (await services.api.listTeachers()).map((x) => x.id);
    const req: PseudoLabelOptions = {
      teacherIds,
      datasetId,
      fusion: { method: 'mean', threshold: 0.5 },
      post: { fillHoles: true },
    };
    const job = await services.api.runPseudoLabels(req);
    const done = await services.jobs.wait(job.jobId);
    expect(done.state, done.error?.message).toBe('done');
    expect(done.result).toMatchObject({ images: 4, mapsComputed: 8, failedImages: 0 });
    const items: ImageListItem[] = await services.api.listImages({ order: 'uncertainty' });
    expect(items.every((i) => i.hasPseudoLabel)).toBe(true);
    const masks = await Promise.all(items.map((i) => services.api.getMasks({ imageId: i.id })));
    expect(masks.every((m) => m.teachers.length === 2 && m.disagreement !== null)).toBe(true);
    // The queue follows the stored disagreement, largest first.
    const store = services.projects.require();
    const dis = new Map(
      store.metrics.list({ name: 'teachers.disagreement' }).map((m) => [m.imageId!, m.value ?? 0]),
    );
    const order = items.map((i) => dis.get(i.id)!);
    expect(order).toEqual([...order].sort((a, b) => b - a));
    expect(new Set(order).size).toBeGreaterThan(1);
    // The live preview fuses the same stored maps without writing anything.
    const preview = await services.api.previewFusion({ ...req, count: 2 });
    expect(preview).toHaveLength(2);
    expect(preview[0]!.mask.length).toBe(preview[0]!.rows * preview[0]!.cols);
    const stored = (
      await services.api.getMasks({ imageId: items.find((i) => i.name.startsWith(preview[0]!.name))!.id })
    ).pseudoLabel!;
    expect(Buffer.compare(Buffer.from(preview[0]!.mask), Buffer.from(stored))).toBe(0);
    // A second run with the same settings reuses everything.
    const again = await services.jobs.wait((await services.api.runPseudoLabels(req)).jobId);
    expect(again.result).toMatchObject({ mapsComputed: 0, mapsReused: 8 });
  });
});

describe('a bare ONNX model as a teacher', () => {
  const t = tempDir();
  let own: AppServices;
  beforeAll(async () => {
    own = testServices(join(t.dir, 'ud'));
    await own.api.createProject({ parentDir: t.dir, name: 'p' });
  });
  afterAll(async () => {
    await own.dispose();
    t.cleanup();
  });

  it('takes a bare ONNX model with the contract the user declares, and lists what it still assumed', async () => {
    const bare = await own.api.importTeacher({ path: join(TEACHERS, 'unet-busi.onnx'), name: 'bare-guess' });
    expect(bare.assumed.length).toBeGreaterThan(0);
    const declared = await own.api.importTeacher({
      path: join(TEACHERS, 'unet-busi.onnx'),
      name: 'bare-declared',
      hints: { resize: 'letterbox', scale: 1 / 255, outputKind: 'logits' },
    });
    expect(declared.teacher.contract).toBe('N x 1 x 256 x 256, letterbox, logits');
    expect(declared.assumed.length).toBeLessThan(bare.assumed.length);
  });
});

describe('a teacher card is held to what it says', () => {
  const t = tempDir();
  let own: AppServices;
  const cards = join(t.dir, 'cards');
  const outside = join(t.dir, 'outside');
  const SECRET = 'db-password=hunter2';
  const contract = {
    input: { channels: 1, height: 256, width: 256, resize: 'letterbox' },
    output: { name: 'output', kind: 'logits' },
  };
  const card = (name: string, model: object) => {
    const path = join(cards, `${name}.json`);
    writeFileSync(path, JSON.stringify({ name, ...model, ...contract }));
    return path;
  };
  const blobs = () => [...own.projects.require().content.list()];

  beforeAll(async () => {
    own = testServices(join(t.dir, 'ud'));
    await own.api.createProject({ parentDir: t.dir, name: 'p' });
    mkdirSync(cards);
    mkdirSync(outside);
    copyFileSync(join(TEACHERS, 'unet-busi.onnx'), join(outside, 'unet.onnx'));
    writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
  });
  afterAll(async () => {
    await own.dispose();
    t.cleanup();
  });

  it('refuses a card-relative path that leaves the card folder, by .. or by a symbolic link', async () => {
    const up = card('up', { onnx: { file: '../outside/unet.onnx' } });
    await expect(own.api.importTeacher({ path: up })).rejects.toThrow(
      /up\.json: the model file "\.\.\/outside\/unet\.onnx" is outside the card's folder/,
    );
    symlinkSync(join(outside, 'unet.onnx'), join(cards, 'linked.onnx'));
    const linked = card('linked', { onnx: { file: 'linked.onnx' } });
    await expect(own.api.importTeacher({ path: linked })).rejects.toThrow(
      /linked\.json: the model file "linked\.onnx" is outside the card's folder \(a link to .*outside\/unet\.onnx\)/,
    );
    const masks = card('maps', { masks: { dir: '../outside' } });
    await expect(own.api.importTeacher({ path: masks })).rejects.toThrow(/outside the card's folder/);
    expect(await own.api.listTeachers()).toEqual([]);
    expect(blobs()).toEqual([]);
  });

  it('refuses a model file that is not what the card says, naming it and quoting none of it', async () => {
    copyFileSync(join(outside, 'secret.txt'), join(cards, 'fake.onnx'));
    const fake = card('fake', { onnx: { file: 'fake.onnx' } });
    const onnxError = await own.api.importTeacher({ path: fake }).catch((e: Error) => e);
    expect(String(onnxError)).toMatch(/fake\.onnx cannot be loaded as an ONNX model/);
    expect(String(onnxError)).not.toContain('hunter2');
    mkdirSync(join(cards, 'tfjs'));
    copyFileSync(join(outside, 'secret.txt'), join(cards, 'tfjs', 'model.json'));
    const tfjs = card('tfjs', { tfjs: { file: 'tfjs/model.json' } });
    const tfjsError = await own.api.importTeacher({ path: tfjs }).catch((e: Error) => e);
    expect(String(tfjsError)).toMatch(/tfjs\/model\.json is not valid JSON: line 1, column 1/);
    expect(String(tfjsError)).not.toContain('hunter2');
    expect(await own.api.listTeachers()).toEqual([]);
    expect(blobs()).toEqual([]);
  });

  it('takes a model inside the card folder, and a model file the user picked directly from anywhere', async () => {
    copyFileSync(join(outside, 'unet.onnx'), join(cards, 'unet.onnx'));
    const inside = await own.api.importTeacher({ path: card('inside', { onnx: { file: 'unet.onnx' } }) });
    expect(inside.teacher.contract).toBe('N x 1 x 256 x 256, letterbox, logits');
    const picked = await own.api.importTeacher({ path: join(outside, 'unet.onnx'), name: 'picked' });
    expect(picked.teacher.name).toBe('picked');
    expect(blobs()).toHaveLength(1); // the same model, stored once
  });
});
