/**
 * The product's own trainer on WebGPU against the same run on the native CPU backend: a U-Net trained for
 * a few epochs on real BUS-BRA images, same seed, same batches; then what the GPU path owes the user
 * besides numbers: the memory shown during training and given back after, and a clear error (never a
 * silent wrong result) when a batch does not fit the device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseComputeMemory } from '../../electron/engine/backend.js';
import * as tf from '../../electron/engine/tf.js';
import {
  assertFitsOnGpu,
  gpuMemory,
  largestActivationBytes,
  takeGpuFailure,
  throwIfGpuFailed,
  watchGpu,
} from '../../electron/engine/webgpu/guard.js';
import { buildModel, resolveConfig } from '../../electron/engine/zoo/index.js';
import { predictProbabilities } from '../../electron/students/predict.js';
import {
  DEFAULT_TRAIN_OPTIONS,
  trainStudent,
  type TrainOptions,
  type TrainProgress,
} from '../../electron/students/trainer.js';
import type { ComputeInfo } from '../../shared/compute.js';
import { AppError } from '../../shared/errors.js';
import { tinyData } from '../unit/students/helpers.js';
import { CPU, GPU, gpuAndCpu, onBackend, relativeL2 } from './helpers/backends.js';

const SIZE = 32;
const tmp = mkdtempSync(join(tmpdir(), 'apprentice-gpu-train-'));
let info: ComputeInfo;
beforeAll(async () => {
  info = await gpuAndCpu();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const OPTS: TrainOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  augment: null,
  batchSize: 2,
  learningRate: 1e-2,
  warmupSteps: 0,
  patience: 0,
  epochs: 3,
  seed: 5,
};

async function train(backend: string, dir: string) {
  const config = resolveConfig('unet-bn', { size: SIZE, width: 4, depth: 2 });
  const events: TrainProgress[] = [];
  const result = await onBackend(backend, async () =>
    trainStudent(
      {
        createModel: () => buildModel(config),
        describe: { ...config },
        options: OPTS,
        data: await tinyData(SIZE),
        checkpointDir: join(tmp, dir),
        resume: false,
      },
      { onProgress: (p) => events.push(p) },
    ),
  );
  return { result, events };
}

describe('the trainer on WebGPU', () => {
  it('follows the native CPU run: same losses and validation scores, epoch by epoch', async () => {
    const cpu = await train(CPU, 'cpu');
    const gpu = await train(GPU, 'gpu');
    const cpuLoss = cpu.result.history.map((h) => h.loss);
    const gpuLoss = gpu.result.history.map((h) => h.loss);
    expect(gpuLoss).toHaveLength(OPTS.epochs);
    // Float32 sums in another order: ~1e-6 per step, grown over the steps; a wrong kernel is off by far more.
    expect(relativeL2(gpuLoss, cpuLoss)).toBeLessThan(1e-3);
    gpu.result.history.forEach((h, i) =>
      expect(Math.abs(h.valDice! - cpu.result.history[i]!.valDice!)).toBeLessThan(0.01),
    );
    expect(cpuLoss[OPTS.epochs - 1]!).toBeLessThan(cpuLoss[0]!);
    // Progress on the GPU carries its memory; on the CPU it has none.
    expect(gpu.events.at(-1)?.gpuMemory?.allocatedBytes).toBeGreaterThan(0);
    expect(cpu.events.some((e) => e.gpuMemory)).toBe(false);
  });

  it('gives the pooled GPU memory back when a job ends, without touching live tensors', async () => {
    await onBackend(GPU, async () => {
      const kept = tf.tidy(() => tf.relu(tf.randomNormal([2, 64, 64, 8], 0, 1, 'float32', 1)));
      tf.tidy(() => tf.dispose(tf.mul(tf.add(kept, 1), 2))); // freed buffers go to the pool
      const before = gpuMemory()!;
      expect(before.allocatedBytes).toBeGreaterThan(before.usedBytes);
      const values = await kept.data();
      releaseComputeMemory();
      const after = gpuMemory()!;
      expect(after.allocatedBytes).toBeLessThan(before.allocatedBytes);
      expect(await kept.data()).toEqual(values);
      kept.dispose();
    });
  });
});

describe('a batch that does not fit the device', () => {
  it('is refused before the first step, naming the batch size and image size to lower', async () => {
    const limit = info.gpu!.maxStorageBufferBindingSize;
    await onBackend(GPU, () => {
      const model = buildModel(resolveConfig('unet-tiny', { size: 256, width: 8, depth: 2 }));
      // One image's largest activation: the full-resolution concatenation, 256*256*16 floats = 4 MiB.
      const perImage = largestActivationBytes(model, 1);
      expect(perImage).toBe(256 * 256 * 16 * 4);
      const fits = Math.floor(limit / perImage);
      const batchSize = fits + 1;
      let error: unknown;
      try {
        assertFitsOnGpu(model, { batchSize, imageSize: 256, what: 'Training' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('TOO_LARGE');
      expect((error as AppError).message).toMatch(
        new RegExp(
          `Training at batch size ${batchSize}, 256x256 px needs a \\d+ MiB GPU buffer.*Lower the batch size to ${fits} or less`,
        ),
      );
      expect(() => assertFitsOnGpu(model, { batchSize: 1, imageSize: 256, what: 'Training' })).not.toThrow();
      model.dispose();
    });
    // The trainer runs the same check before its first step.
    const config = resolveConfig('unet-tiny', { size: SIZE, width: 4, depth: 1 });
    await expect(
      onBackend(GPU, async () =>
        trainStudent({
          createModel: () => buildModel(config),
          describe: { ...config },
          options: { ...OPTS, batchSize: 4 },
          data: await tinyData(SIZE),
          checkpointDir: join(tmp, 'fits'),
          resume: false,
        }),
      ),
    ).resolves.toBeDefined();
  });

  it('turns a buffer the device could not make into a clear error, not zeros', async () => {
    await onBackend(GPU, async () => {
      watchGpu();
      takeGpuFailure();
      const elements = Math.ceil(info.gpu!.maxStorageBufferBindingSize / 4) + 1024;
      const big = tf.tidy(() => tf.relu(tf.mul(tf.ones([elements]), 2)));
      await big.data(); // WebGPU reports the failure on the device, not here
      big.dispose();
      await new Promise((r) => setTimeout(r, 50));
      expect(() => throwIfGpuFailed({ batchSize: 64, imageSize: 512, what: 'Training' })).toThrow(
        /The GPU ran out of memory \(training, batch size 64, 512x512 px\): .*Lower the batch size or the image size/,
      );
      // Cleared once reported: the next step starts clean.
      expect(() => throwIfGpuFailed({ batchSize: 1, imageSize: 64, what: 'Training' })).not.toThrow();
    });
  });

  it('predictions on the GPU agree with the CPU', async () => {
    const config = resolveConfig('unet-tiny', { size: SIZE, width: 4, depth: 2 });
    const model = await onBackend(CPU, () => buildModel(config));
    const weights = model.getWeights().map((w) => w.clone());
    const { val } = await tinyData(SIZE);
    const inputs = val.map((v) => v.x);
    const cpu = await onBackend(CPU, () => predictProbabilities(model, inputs, 2));
    const gpu = await onBackend(GPU, () => {
      model.setWeights(weights);
      return predictProbabilities(model, inputs, 2);
    });
    gpu.forEach((p, i) => expect(relativeL2(p, cpu[i]!)).toBeLessThan(1e-4));
    tf.dispose(weights);
  });
});
