/**
 * Runs an exported ONNX model in onnxruntime-node and the tfjs model on the same random inputs and
 * reports the largest absolute difference of the outputs: the export's numerical check, recorded in the
 * model card (as the teacher cards record theirs).
 */
import * as ort from 'onnxruntime-node';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { StudentExportSummary } from '../../../shared/dto.js';
import { Rng } from '../rng.js';
import * as tf from '../../engine/tf.js';
import { loadOnnxSession } from '../../util/onnx-session.js';
import { ONNX_INPUT, ONNX_OUTPUT, permute } from './onnx-writer.js';

/** The ONNX file against the TF.js model, as the export's result reports it. */
export type OnnxCheck = StudentExportSummary['onnxCheck'];

/** Max |onnx - tfjs| over `rounds` random batches in [0, 1) (the model's input range). */
export async function compareOnnxWithTfjs(
  onnx: Uint8Array,
  model: tf.LayersModel,
  opts: { rounds?: number; batch?: number; seed?: number; tolerance?: number } = {},
): Promise<OnnxCheck> {
  const session = await loadOnnxSession(onnx);
  const [, h, w, c] = model.inputs[0]!.shape as number[];
  const rounds = opts.rounds ?? 2,
    batch = opts.batch ?? 2,
    // Outputs are probabilities. A trained network on random (out-of-distribution) inputs differs by
    // ~1e-4 from float32 summation order alone (1.07e-4 measured on a U-Net after 50 epochs on BUS-BRA);
    // a wrong export (a transposed kernel, a missing bias) differs by 1e-2 and more.
    tolerance = opts.tolerance ?? 1e-3;
  const rng = new Rng(opts.seed ?? 12345);
  let maxDiff = 0,
    maxOut = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      const nhwc = new Float32Array(batch * h! * w! * c!).map(() => rng.next());
      const prediction = tf.tidy(() => {
        const y = model.predict(tf.tensor4d(nhwc, [batch, h!, w!, c!]));
        return Array.isArray(y) ? y[y.length - 1]! : y;
      });
      const expected = (await prediction.data()) as Float32Array;
      prediction.dispose();
      const nchw = permute(nhwc, [batch, h!, w!, c!], [0, 3, 1, 2]);
      const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', nchw.data, nchw.shape) });
      const out = result[ONNX_OUTPUT]!;
      const dims = out.dims as number[];
      const got = permute(out.data as Float32Array, dims, [0, 2, 3, 1]).data; // back to NHWC
      if (got.length !== expected.length)
        throw new AppError(
          ErrorCode.INTERNAL,
          `ONNX output has ${got.length} values, tfjs ${expected.length}`,
        );
      for (let i = 0; i < got.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(got[i]! - expected[i]!));
        maxOut = Math.max(maxOut, Math.abs(expected[i]!));
      }
    }
  } finally {
    await session.release();
  }
  return {
    runtime: `onnxruntime-node ${ortVersion()}`,
    inputs: rounds * batch,
    batch,
    max_abs_diff: maxDiff,
    max_abs_output: maxOut,
    tolerance,
    passed: maxDiff < tolerance,
  };
}

function ortVersion(): string {
  return (ort.env as { versions?: { node?: string; common?: string } }).versions?.common ?? 'unknown';
}
