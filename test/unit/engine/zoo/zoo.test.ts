import { beforeAll, describe, expect, it } from 'vitest';
import { initCompute } from '../../../../electron/engine/backend.js';
import * as tf from '../../../../electron/engine/tf.js';
import { atrousConv2d, AtrousConv2D } from '../../../../electron/engine/zoo/atrous-conv.js';
import {
  ARCHS,
  buildModel,
  inferenceModel,
  isEncoderLayer,
  paramCount,
  PRESETS,
  resolveConfig,
} from '../../../../electron/engine/zoo/index.js';

beforeAll(async () => {
  await initCompute();
});

describe('model zoo', () => {
  it('has a preset for every architecture, and every preset builds with 1 or 3 channels', () => {
    expect(new Set(Object.values(PRESETS).map((p) => p.arch))).toEqual(new Set(ARCHS));
    for (const name of Object.keys(PRESETS)) {
      for (const inChannels of [1, 3] as const) {
        const m = buildModel(resolveConfig(name, { size: 32, width: 4, depth: 2, inChannels, classes: 2 }));
        const out = tf.tidy(() => {
          const y = m.predict(tf.zeros([1, 32, 32, inChannels]));
          return (Array.isArray(y) ? y : [y]).map((t) => t.shape);
        });
        expect(out.length, name).toBe(name === 'unet++-ds' ? 2 : 1);
        for (const s of out) expect(s, name).toEqual([1, 32, 32, 2]);
        expect(paramCount(m).total).toBe(m.countParams());
        m.dispose();
      }
    }
  });

  it('reports the parameter count of the default presets at 128 (the reference U-Net: 481,745)', () => {
    const m = buildModel(resolveConfig('unet', { size: 128 }));
    expect(m.countParams()).toBe(481_745); // 16-32-64-128, no BN: same layers as ../shared/bench/torch_unet.py
    m.dispose();
  });

  it('rejects sizes that are not a multiple of the down-sampling and unknown names', () => {
    expect(() => resolveConfig('unet', { size: 100 })).toThrow(/multiple of 16/);
    expect(() => resolveConfig('deeplabv3+', { size: 40 })).toThrow(/multiple of 16/);
    expect(() => resolveConfig('segformer')).toThrow(/Unknown architecture/);
    expect(() => resolveConfig('unet', { inChannels: 2 as 1 })).toThrow(/channels/);
    expect(() => resolveConfig('unet', { deepSupervision: true })).toThrow(/unet\+\+/);
  });

  it('is reproducible from the seed and differs with another seed', () => {
    const w = (seed: number) => {
      const m = buildModel(resolveConfig('attention-unet', { size: 16, width: 2, depth: 1, seed }));
      const v = m.getWeights().map((t) => Array.from(t.dataSync()));
      m.dispose();
      return v;
    };
    expect(w(7)).toEqual(w(7));
    expect(w(7)).not.toEqual(w(8));
  });

  it('keeps only the last head for inference and names the encoder layers', () => {
    const m = buildModel(resolveConfig('unet++-ds', { size: 16, width: 2, depth: 2 }));
    expect(m.outputs).toHaveLength(2);
    const inf = inferenceModel(m);
    expect(inf.outputs).toHaveLength(1);
    expect(inf.outputs[0]!.sourceLayer.name).toBe('head');
    const enc = m.layers.filter((l) => isEncoderLayer(l.name)).map((l) => l.name);
    expect(enc).toContain('x1_0_conv1');
    expect(enc).not.toContain('x0_1_conv1');
    m.dispose();
  });
});

describe('atrous convolution', () => {
  it('equals tf.conv2d with dilations, for sizes that are and are not multiples of the rate', () => {
    for (const [h, rate] of [
      [12, 2],
      [13, 3],
      [8, 4],
    ] as const) {
      const x = tf.randomNormal([2, h, h + 1, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 4) as tf.Tensor4D;
      const ref = tf.conv2d(x, k, 1, 'same', 'NHWC', rate);
      const got = atrousConv2d(x, k, rate);
      expect(got.shape).toEqual(ref.shape);
      expect(tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0]).toBeLessThan(1e-4);
    }
  });

  it('has gradients (tf.conv2d with dilations has none) and serializes as a registered layer', () => {
    const layer = new AtrousConv2D({ filters: 2, rate: 2, activation: 'relu', seed: 1, name: 'a' });
    const input = tf.input({ shape: [8, 8, 1] });
    const m = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    // Reference: the rate-2 3x3 kernel as a 5x5 kernel with zeros between the taps (no dilation needed).
    const x = tf.randomNormal([1, 9, 8, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const up = tf.randomNormal([1, 9, 8, 3], 0, 1, 'float32', 6);
    const k3 = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const g3 = tf.grad((k: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(x, k as tf.Tensor4D, 2), up)))(k3);
    const k5 = tf.tensor4d(
      Array.from({ length: 5 * 5 * 2 * 3 }, (_, i) => {
        const [r, c, rest] = [Math.floor(i / 30), Math.floor(i / 6) % 5, i % 6];
        return r % 2 === 0 && c % 2 === 0 ? k3.dataSync()[((r / 2) * 3 + c / 2) * 6 + rest]! : 0;
      }),
      [5, 5, 2, 3],
    );
    const g5 = tf.grad((k: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, k as tf.Tensor4D, 1, 'same'), up)))(k5);
    const g5Taps = tf.stridedSlice(g5, [0, 0, 0, 0], [5, 5, 2, 3], [2, 2, 1, 1]);
    expect(tf.max(tf.abs(tf.sub(g3, g5Taps))).dataSync()[0]).toBeLessThan(1e-3);
    expect(tf.max(tf.abs(g3)).dataSync()[0]).toBeGreaterThan(0.1);
    const json = m.toJSON(undefined, false) as {
      config: { layers: { class_name: string; config: { rate: number } }[] };
    };
    const l = json.config.layers.find((c) => c.class_name === 'ApprenticeAtrousConv2D');
    expect(l?.config.rate).toBe(2);
  });
});
