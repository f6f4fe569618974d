import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initCompute } from '../../../../electron/engine/backend.js';
import * as tf from '../../../../electron/engine/tf.js';
import { buildModel, inferenceModel, PRESETS, resolveConfig } from '../../../../electron/engine/zoo/index.js';
import { onnxType } from '../../../../electron/students/export/onnx-proto.js';
import { compareOnnxWithTfjs } from '../../../../electron/students/export/onnx-verify.js';
import { modelToOnnx, permute } from '../../../../electron/students/export/onnx-writer.js';
import { SHARED_DIR } from '../../../helpers/temp.js';

beforeAll(async () => {
  await initCompute();
});

/** Gives BatchNorm non-trivial statistics so that the check covers them (fresh layers are identity-like). */
function perturbBatchNorm(m: tf.LayersModel): void {
  let seed = 10;
  for (const l of m.layers)
    if (l.getClassName() === 'BatchNormalization')
      l.setWeights(
        l
          .getWeights()
          .map((t, i) =>
            i === 3
              ? tf.add(tf.abs(tf.randomNormal(t.shape, 0, 1, 'float32', seed++)), 0.5)
              : tf.randomNormal(t.shape, 0, 0.5, 'float32', seed++),
          ),
      );
}

describe('ONNX export', () => {
  for (const name of Object.keys(PRESETS)) {
    it(`${name}: onnxruntime matches tfjs within 1e-4 on random inputs`, async () => {
      const inChannels = name === 'residual-unet' ? 3 : 1;
      const classes = name === 'attention-unet' ? 3 : 1;
      const model = inferenceModel(
        buildModel(resolveConfig(name, { size: 32, width: 4, depth: 2, inChannels, classes })),
      );
      perturbBatchNorm(model);
      const bytes = await modelToOnnx(model, { producerVersion: 'test' });
      const check = await compareOnnxWithTfjs(bytes, model, { rounds: 1, batch: 2 });
      expect(check.max_abs_diff).toBeLessThan(1e-4);
      expect(check.passed).toBe(true);
      // The file declares the NCHW contract of the teacher cards.
      const decoded = onnxType('ModelProto').toObject(onnxType('ModelProto').decode(bytes), {
        longs: Number,
      }) as {
        opset_import: { version: number }[];
        graph: {
          input: {
            name: string;
            type: { tensor_type: { shape: { dim: { dim_value?: number; dim_param?: string }[] } } };
          }[];
        };
      };
      expect(decoded.opset_import[0]!.version).toBe(13);
      const dims = decoded.graph.input[0]!.type.tensor_type.shape.dim;
      expect(dims.map((d) => d.dim_param ?? d.dim_value)).toEqual(['batch', inChannels, 32, 32]);
      model.dispose();
    });
  }

  it('catches a wrong export: a perturbed weight shows up as a difference', async () => {
    const model = buildModel(resolveConfig('unet-tiny', { size: 16, width: 2, depth: 1 }));
    const bytes = await modelToOnnx(model, { producerVersion: 'test' });
    const head = model.getLayer('head');
    head.setWeights(head.getWeights().map((t) => tf.add(t, 0.01)));
    const check = await compareOnnxWithTfjs(bytes, model, { rounds: 1 });
    expect(check.passed).toBe(false);
    expect(check.max_abs_diff).toBeGreaterThan(1e-3);
  });

  it('uses the ONNX field numbers: the third-party teacher files decode with this schema', () => {
    const bytes = readFileSync(join(SHARED_DIR, 'teachers', 'unet-busi.onnx'));
    const m = onnxType('ModelProto').toObject(onnxType('ModelProto').decode(bytes), { longs: Number }) as {
      ir_version: number;
      graph: { node: { op_type: string }[]; input: { name: string }[]; initializer: { dims: number[] }[] };
    };
    expect(m.ir_version).toBe(7);
    expect(m.graph.input[0]!.name).toBe('input');
    expect(new Set(m.graph.node.map((n) => n.op_type))).toContain('Conv');
    expect(m.graph.initializer.some((i) => i.dims.length === 4)).toBe(true);
  });

  it('permutes axes like numpy.transpose', () => {
    const p = permute(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3], [1, 0]);
    expect(p.shape).toEqual([3, 2]);
    expect(Array.from(p.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('refuses a layer type it cannot export, by name', async () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const out = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(input) as tf.SymbolicTensor;
    await expect(
      modelToOnnx(tf.model({ inputs: input, outputs: out }), { producerVersion: 't' }),
    ).rejects.toThrow(/drop \(Dropout\) has no ONNX export/);
  });
});
