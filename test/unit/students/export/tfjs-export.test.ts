import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCompute } from '../../../../electron/engine/backend.js';
import { runTrainingJob } from '../../../../electron/students/run.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../../../electron/students/trainer.js';
import * as tf from '../../../../electron/engine/tf.js';
import { buildModel, resolveConfig } from '../../../../electron/engine/zoo/index.js';
import { exportStudent } from '../../../../electron/students/export/export-student.js';
import { importTeacherFolder } from '../../../../electron/teachers/import-folder.js';
import { readLayersModel, writeLayersModel } from '../../../../electron/students/export/tfjs-layers.js';
import { ProjectStore } from '../../../../electron/store/index.js';
import { loadTeacherCard } from '../../../../electron/teachers/card.js';
import { SHARED_DIR, tempDir } from '../../../helpers/temp.js';
import { BUS_BRA } from '../helpers.js';

const tmp = tempDir('apprentice-export-');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await initCompute();
});

describe('TF.js layers format', () => {
  it('writes model.json + shards that read back to the same predictions', async () => {
    const model = buildModel(resolveConfig('deeplabv3+', { size: 32, width: 4, depth: 1 }));
    const dir = join(tmp.dir, 'layers');
    const files = await writeLayersModel(dir, model, { note: 'x' });
    expect(files).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    const { model: back } = await readLayersModel(dir);
    const x = tf.randomUniform([1, 32, 32, 1], 0, 1, 'float32', 1);
    const d = tf
      .max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, back.predict(x) as tf.Tensor)))
      .dataSync()[0]!;
    expect(d).toBe(0);
  });

  it('refuses a file that is not a model, and a model with a missing or short shard, naming the file', async () => {
    const notModel = join(tmp.dir, 'not-a-model');
    mkdirSync(notModel);
    writeFileSync(join(notModel, 'model.json'), '{"hello": 1}');
    await expect(readLayersModel(notModel)).rejects.toThrow(
      /not-a-model\/model.json is not a TF.js layers model/,
    );
    writeFileSync(join(notModel, 'model.json'), 'PNG\u0000garbage');
    await expect(readLayersModel(notModel)).rejects.toMatchObject({ code: 'BAD_FILE' });
    const model = buildModel(resolveConfig('unet-tiny', { size: 16, width: 2, depth: 1 }));
    const dir = join(tmp.dir, 'short');
    await writeLayersModel(dir, model);
    writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(10));
    await expect(readLayersModel(dir)).rejects.toThrow(/hold 10 bytes/);
    rmSync(join(dir, 'group1-shard1of1.bin'));
    await expect(readLayersModel(dir)).rejects.toThrow(/shard group1-shard1of1.bin is missing/);
  });
});

describe('export of a trained student and import back as a teacher', () => {
  let trainOut = '';
  beforeAll(async () => {
    trainOut = join(tmp.dir, 'run');
    const config = resolveConfig('residual-unet', { size: 32, width: 4, depth: 2 });
    await runTrainingJob({
      name: 'tiny-res',
      data: {
        kind: 'folders',
        images: `${BUS_BRA}/images`,
        masks: `${BUS_BRA}/masks`,
        caseRegex: '^(bus_\\d+)',
      },
      model: { kind: 'zoo', config },
      options: { ...DEFAULT_TRAIN_OPTIONS, augment: null, epochs: 1, batchSize: 4, stepsPerEpoch: 2 },
      split: { foldsFile: join(BUS_BRA, '5-fold-cv.csv'), fold: 1 },
      outDir: trainOut,
      resume: false,
      teachers: ['unet-busi', 'fcn-busi'],
    });
  }, 120_000);

  it('writes ONNX + TF.js + a card in the teacher-card format, checked numerically', async () => {
    const out = join(tmp.dir, 'export');
    const r = await exportStudent({ student: trainOut, out, appVersion: '0.0.0-test' });
    expect(r.onnxCheck.max_abs_diff).toBeLessThan(1e-4);
    const card = JSON.parse(readFileSync(r.card, 'utf8'));
    const teacher = JSON.parse(readFileSync(join(SHARED_DIR, 'teachers', 'unet-busi.json'), 'utf8'));
    for (const block of ['onnx', 'input', 'output'])
      for (const key of Object.keys(teacher[block]))
        expect(card[block], `${block}.${key}`).toHaveProperty(key);
    expect(card).toMatchObject({
      name: 'tiny-res',
      teachers: ['unet-busi', 'fcn-busi'],
      input: { layout: 'NCHW', height: 32, resize: 'stretch' },
      output: { kind: 'logits' },
    });
    expect(card.training.split).toMatch(/fold 1/);
    expect(existsSync(join(out, card.tfjs_layers.model_json))).toBe(true);
    // The teachers module reads the card as an ONNX teacher with the same contract.
    const parsed = loadTeacherCard(r.card);
    expect(parsed).toMatchObject({
      kind: 'onnx',
      name: 'tiny-res',
      contract: { input: { layout: 'NCHW', height: 32, resize: 'stretch' }, output: { kind: 'logits' } },
    });

    const project = join(tmp.dir, 'project');
    const store = ProjectStore.create(project, { name: 'p', appVersion: '0.0.0-test' });
    try {
      const [t] = await importTeacherFolder(store, out);
      expect(t).toMatchObject({ name: 'tiny-res', kind: 'onnx' });
      expect(store.content.has(t!.modelHash!)).toBe(true);
      expect(t!.card).toMatchObject({ input: { height: 32 }, teachers: ['unet-busi', 'fcn-busi'] });
      // The third-party cards import through the same path: the formats are the same.
      const [busi] = await importTeacherFolder(store, join(SHARED_DIR, 'teachers', 'unet-busi.json'));
      expect(busi!.name).toBe('unet-busi');
      // A changed model file is refused by its hash.
      writeFileSync(join(out, 'tiny-res.onnx'), new Uint8Array([1, 2, 3]));
      await expect(importTeacherFolder(store, out, { name: 'again' })).rejects.toThrow(
        /does not match the card's sha256/,
      );
    } finally {
      store.close();
    }
  });

  it('refuses an export target that is not writable, naming it, and keeps what was there', async () => {
    const file = join(tmp.dir, 'plain-file');
    writeFileSync(file, 'keep me');
    await expect(
      exportStudent({ student: trainOut, out: join(file, 'sub'), appVersion: 't' }),
    ).rejects.toThrow(/plain-file\/sub is not writable/);
    await expect(exportStudent({ student: trainOut, out: file, appVersion: 't' })).rejects.toMatchObject({
      code: 'IO_ERROR',
    });
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    if (process.getuid?.() !== 0) {
      const ro = join(tmp.dir, 'read-only');
      mkdirSync(ro);
      writeFileSync(join(ro, 'tiny-res.json'), 'old card');
      chmodSync(ro, 0o555);
      await expect(exportStudent({ student: trainOut, out: ro, appVersion: 't' })).rejects.toMatchObject({
        code: 'IO_ERROR',
      });
      chmodSync(ro, 0o755);
      expect(readFileSync(join(ro, 'tiny-res.json'), 'utf8')).toBe('old card');
    }
  });
});
