import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCompute } from '../../../electron/engine/backend.js';
import { readLayersModel } from '../../../electron/students/export/tfjs-layers.js';
import { DEFAULT_AUGMENT } from '../../../electron/students/augment.js';
import { bestModelDir } from '../../../electron/students/checkpoint.js';
import {
  DEFAULT_TRAIN_OPTIONS,
  learningRateAt,
  trainStudent,
  type TrainOptions,
} from '../../../electron/students/trainer.js';
import { buildModel, PRESETS, resolveConfig, type ArchConfig } from '../../../electron/engine/zoo/index.js';
import { tinyData } from './helpers.js';

const SIZE = 32;
const tmp = mkdtempSync(join(tmpdir(), 'apprentice-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await initCompute();
});

const OPTS: TrainOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  augment: DEFAULT_AUGMENT,
  batchSize: 2,
  learningRate: 1e-2,
  warmupSteps: 0,
  patience: 0,
  epochs: 4,
  seed: 3,
};

async function run(
  config: ArchConfig,
  dir: string,
  options: Partial<TrainOptions> = {},
  resume = false,
  shouldStop?: () => boolean,
) {
  return trainStudent(
    {
      createModel: () => buildModel(config),
      describe: { ...config },
      options: { ...OPTS, ...options },
      data: await tinyData(SIZE),
      checkpointDir: join(tmp, dir),
      resume,
    },
    shouldStop ? { shouldStop } : {},
  );
}

async function weightsOf(dir: string): Promise<Float32Array[]> {
  const { model } = await readLayersModel(
    join(tmp, dir, JSON.parse(readFileSync(join(tmp, dir, 'latest.json'), 'utf8')).dir),
  );
  const w = model.getWeights().map((t) => t.dataSync() as Float32Array);
  model.dispose();
  return w;
}

describe('training every zoo member on a tiny real subset', () => {
  for (const name of ['unet-tiny', 'attention-unet', 'residual-unet', 'unet++-ds', 'deeplabv3+']) {
    it(`${PRESETS[name]!.arch} (${name}): the loss falls`, async () => {
      const config = resolveConfig(name, { size: SIZE, width: 4, depth: 2 });
      const r = await run(config, `fall-${name}`);
      const losses = r.history.map((h) => h.loss);
      expect(losses).toHaveLength(4);
      expect(losses[3]!).toBeLessThan(losses[0]! * 0.97);
      expect(r.history.every((h) => h.valDice !== null && h.valDice >= 0 && h.valDice <= 1)).toBe(true);
      expect(bestModelDir(join(tmp, `fall-${name}`))).toMatch(/best-000\d$/);
    });
  }
});

describe('checkpoints, resume, cancel, seed', () => {
  const config = resolveConfig('unet-bn', { size: SIZE, width: 4, depth: 2 });

  it('a run stopped after epoch 1 and resumed ends with exactly the weights of an uninterrupted run', async () => {
    const straight = await run(config, 'straight', { epochs: 2 });
    let steps = 0;
    const stopped = await run(config, 'resumed', { epochs: 2 }, false, () => ++steps > 3); // 2 steps/epoch: stops in epoch 2
    expect(stopped.cancelled).toBe(true);
    expect(stopped.epochsRun).toBe(1);
    const resumed = await run(config, 'resumed', { epochs: 2 }, true);
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
    const [a, b] = [await weightsOf('straight'), await weightsOf('resumed')];
    expect(a.length).toBe(b.length);
    a.forEach((w, i) => expect(Array.from(b[i]!)).toEqual(Array.from(w)));
    // Only the newest two epoch folders are kept, and no temp folder is left behind.
    expect(readdirSync(join(tmp, 'resumed')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('the same seed gives the same run; another seed another', async () => {
    const a = await run(config, 'seed-a', { epochs: 1 });
    const b = await run(config, 'seed-b', { epochs: 1 });
    const c = await run({ ...config, seed: 2 }, 'seed-c', { epochs: 1, seed: 4 });
    expect(b.history[0]!.loss).toBe(a.history[0]!.loss);
    expect(c.history[0]!.loss).not.toBe(a.history[0]!.loss);
  });

  it('stops early when validation Dice stops improving, and refuses an empty training set', async () => {
    const r = await run(config, 'early', { epochs: 6, patience: 1, learningRate: 1e-9, augment: null });
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochsRun).toBeLessThan(6);
    await expect(
      trainStudent({
        createModel: () => buildModel(config),
        describe: {},
        options: OPTS,
        data: { train: [], val: [] },
        checkpointDir: join(tmp, 'empty'),
        resume: false,
      }),
    ).rejects.toThrow(/training set is empty/);
  });

  it('ends within a time budget, validating and checkpointing the partial epoch', async () => {
    let steps = 0;
    const r = await trainStudent(
      {
        createModel: () => buildModel(config),
        describe: {},
        options: { ...OPTS, epochs: 50, batchSize: 1, maxSeconds: 1e-6 },
        data: await tinyData(SIZE),
        checkpointDir: join(tmp, 'budget'),
        resume: false,
      },
      { onProgress: (p) => void (p.phase === 'train' && steps++) },
    );
    expect(steps).toBe(1); // 4 steps per epoch; the budget cut the first one short
    expect(r.timeBudgetHit).toBe(true);
    expect(r.epochsRun).toBe(1);
    expect(r.history[0]!.valDice).not.toBeNull();
    expect(bestModelDir(join(tmp, 'budget'))).toMatch(/best-0001$/);
  });

  it('warms up linearly, then decays by cosine to the minimum', () => {
    const o = { ...OPTS, learningRate: 1, minLearningRate: 0, warmupSteps: 10 };
    expect(learningRateAt(o, 0, 110)).toBeCloseTo(0.1, 9);
    expect(learningRateAt(o, 10, 110)).toBeCloseTo(1, 9);
    expect(learningRateAt(o, 60, 110)).toBeCloseTo(0.5, 9);
    expect(learningRateAt(o, 110, 110)).toBeCloseTo(0, 9);
    // With a time budget, half the budget spent is half the decay, whatever the step count says.
    expect(learningRateAt(o, 11, 1000, 0.5)).toBeCloseTo(0.5, 9);
  });
});

describe('training length in optimizer steps', () => {
  const config = resolveConfig('unet-tiny', { size: SIZE, width: 4, depth: 2 });

  it('runs whole epochs until the steps are reached, capped by the epoch limit', async () => {
    // tinyData: 4 training images at batch 2 = 2 steps per epoch, so 5 steps = 3 epochs.
    const sized = await run(config, 'steps-5', { steps: 5, epochs: 100 });
    expect(sized.epochsRun).toBe(3);
    expect(sized.history).toHaveLength(3);
    const capped = await run(config, 'steps-capped', { steps: 50, epochs: 2 });
    expect(capped.epochsRun).toBe(2);
    const byEpochs = await run(config, 'epochs-only', { steps: null, epochs: 1 });
    expect(byEpochs.epochsRun).toBe(1);
  });
});
