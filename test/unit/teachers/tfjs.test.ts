import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../../electron/engine/tf.js';
import { parseTeacherCard } from '../../../electron/teachers/card.js';
import { openTeacher } from '../../../electron/teachers/open.js';
import { fileLoadHandler, fileSaveHandler } from '../../../electron/teachers/tfjs-io.js';
import { tempDir } from '../../helpers/temp.js';

/** A 1x1 convolution with weight 2 and bias -1, then sigmoid: p = sigmoid(2x - 1) with x = pixel/255. */
async function saveTinyModel(dir: string): Promise<void> {
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 1, kernelSize: 1, activation: 'sigmoid' })],
  });
  model.setWeights([tf.tensor4d([2], [1, 1, 1, 1]), tf.tensor1d([-1])]);
  await model.save(fileSaveHandler(dir));
  model.dispose();
}

const card = (dir: string, input: object = {}) =>
  parseTeacherCard(
    {
      name: 'tiny',
      tfjs: { file: 'model.json' },
      input: { layout: 'NHWC', channels: 1, height: 4, width: 4, ...input },
      output: { kind: 'sigmoid', channels: 1, layout: 'NHWC' },
    },
    dir,
  );

describe('TF.js layers teachers through the file IOHandler', () => {
  it('saves, loads and runs a model as its card says', async () => {
    const t = tempDir();
    try {
      await saveTinyModel(t.dir);
      const teacher = await openTeacher(card(t.dir));
      const pixels = Uint8Array.from({ length: 8 * 8 }, (_, i) => (i % 2 ? 255 : 0));
      // 8x8 stripes stretched to 4x4 sample between columns: x = 127.5/255 everywhere -> sigmoid(0).
      const [r] = await teacher.predict([{ name: 'stripes', rows: 8, cols: 8, channels: 1, pixels }]);
      expect(r!.ok).toBe(true);
      if (r!.ok) for (const p of r!.prob) expect(p).toBeCloseTo(0.5, 5);
      const [w] = await teacher.predict([
        { name: 'white', rows: 2, cols: 2, channels: 1, pixels: new Uint8Array(4).fill(255) },
      ]);
      if (w!.ok) expect(w!.prob[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 5);
      expect(w!.ok).toBe(true);
      await teacher.dispose();
    } finally {
      t.cleanup();
    }
  });

  it('refuses a contract that does not fit, a broken model.json and shards outside the folder', async () => {
    const t = tempDir();
    try {
      await saveTinyModel(t.dir);
      await expect(openTeacher(card(t.dir, { channels: 3 }))).rejects.toThrow(
        /card says channels 3 \(NHWC\)/,
      );
      await expect(openTeacher(card(t.dir, { height: 8 }))).rejects.toThrow(/card says height 8/);
      writeFileSync(join(t.dir, 'model.json'), '{"modelTopology": 1');
      await expect(openTeacher(card(t.dir))).rejects.toThrow(
        /model\.json is not valid JSON: line 1, column 20: /,
      );
      writeFileSync(
        join(t.dir, 'model.json'),
        JSON.stringify({
          modelTopology: {},
          weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }],
        }),
      );
      await expect(fileLoadHandler(join(t.dir, 'model.json')).load!()).rejects.toThrow(
        /outside the model folder/,
      );
      // A shard inside the folder that is a link to a file elsewhere is refused too.
      const elsewhere = tempDir();
      try {
        writeFileSync(join(elsewhere.dir, 'private.bin'), 'secret');
        symlinkSync(join(elsewhere.dir, 'private.bin'), join(t.dir, 'linked.bin'));
        writeFileSync(
          join(t.dir, 'model.json'),
          JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['linked.bin'], weights: [] }] }),
        );
        await expect(fileLoadHandler(join(t.dir, 'model.json')).load!()).rejects.toThrow(
          /weight file "linked\.bin" is a link to outside the model folder/,
        );
      } finally {
        elsewhere.cleanup();
      }
    } finally {
      t.cleanup();
    }
  });
});

/** The same network as a hand-written TF.js graph model (the format tfjs-converter writes). */
function saveTinyGraphModel(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const f32 = { type: 'DT_FLOAT' };
  const dims = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const topology = {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: f32, shape: { shape: dims(-1, 4, 4, 1) } } },
      {
        name: 'w',
        op: 'Const',
        attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(1, 1, 1, 1) } } },
      },
      {
        name: 'b',
        op: 'Const',
        attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims() } } },
      },
      {
        name: 'conv',
        op: 'Conv2D',
        input: ['x', 'w'],
        attr: {
          T: f32,
          strides: { list: { i: ['1', '1', '1', '1'] } },
          dilations: { list: { i: ['1', '1', '1', '1'] } },
          padding: { s: b64('SAME') },
          data_format: { s: b64('NHWC') },
        },
      },
      { name: 'add', op: 'AddV2', input: ['conv', 'b'], attr: { T: f32 } },
      { name: 'y', op: 'Sigmoid', input: ['add'], attr: { T: f32 } },
    ],
    versions: { producer: 1 },
  };
  const manifest = [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'w', shape: [1, 1, 1, 1], dtype: 'float32' },
        { name: 'b', shape: [], dtype: 'float32' },
      ],
    },
  ];
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({ format: 'graph-model', modelTopology: topology, weightsManifest: manifest }),
  );
  writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(Float32Array.from([2, -1]).buffer));
}

describe('TF.js graph teachers', () => {
  it('loads and runs a graph model as its card says', async () => {
    const t = tempDir();
    try {
      saveTinyGraphModel(t.dir);
      const raw = {
        name: 'graph',
        tfjs: { file: 'model.json', format: 'graph' },
        input: { layout: 'NHWC', channels: 1, height: 4, width: 4 },
        output: { kind: 'sigmoid', layout: 'NHWC' },
      };
      const teacher = await openTeacher(parseTeacherCard(raw, t.dir));
      const [w, k] = await teacher.predict([
        { name: 'white', rows: 2, cols: 2, channels: 1, pixels: new Uint8Array(4).fill(255) },
        { name: 'black', rows: 4, cols: 4, channels: 1, pixels: new Uint8Array(16) },
      ]);
      expect(w!.ok && k!.ok).toBe(true);
      if (w!.ok) for (const p of w!.prob) expect(p).toBeCloseTo(1 / (1 + Math.exp(-1)), 5);
      if (k!.ok) for (const p of k!.prob) expect(p).toBeCloseTo(1 / (1 + Math.exp(1)), 5);
      await teacher.dispose();
      await expect(
        openTeacher(parseTeacherCard({ ...raw, input: { ...raw.input, height: 8 } }, t.dir)),
      ).rejects.toThrow(/card says height 8/);
    } finally {
      t.cleanup();
    }
  });
});
