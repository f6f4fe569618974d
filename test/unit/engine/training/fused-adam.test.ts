/**
 * The engine's training path on the product's network (the zoo's plain U-Net): the gradients of a full
 * training loss on native-cpu / js-cpu against the stock cpu backend (< 1e-4), then the fused Adam
 * optimizer against tfjs' own Adam over several steps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../../../electron/engine/tf.js';
import { FusedAdamOptimizer } from '../../../../electron/engine/training/fused-adam.js';
import { bceWithLogits } from '../../../../electron/engine/training/losses.js';
import { buildModel, resolveConfig } from '../../../../electron/engine/zoo/index.js';
import { randomValues, relL2 } from '../numerics.js';
import { engineBackends, skipWithout } from '../setup.js';

beforeAll(async () => {
  await engineBackends();
});

/** The zoo's plain U-Net with levels of `filters` (width filters[0], one level per entry). */
function buildUNet(o: { filters: number[]; size: number }): tf.LayersModel {
  return buildModel(
    resolveConfig('unet', {
      width: o.filters[0]!,
      depth: o.filters.length - 1,
      size: o.size,
      inChannels: 1,
      classes: 1,
    }),
  );
}

/** One optimizer step on the batch (forward, BCE, backward, update); the loss before the update. */
function makeTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer) {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return (x: tf.Tensor, y: tf.Tensor): number => {
    const cost = tf.tidy(() =>
      optimizer.minimize(
        () => bceWithLogits(y, model.apply(x, { training: true }) as tf.Tensor),
        true,
        vars,
      )!,
    );
    const value = cost.dataSync()[0]!;
    cost.dispose();
    return value;
  };
}

/** Model weights and a batch, as plain arrays, so every backend starts from identical values. */
function fixture(filters: number[], size: number, batch: number) {
  const model = buildUNet({ filters, size });
  const weights = model
    .getWeights()
    .map((w, i) => ({ shape: [...w.shape], values: randomValues(w.size, 100 + i).map((v) => v * 0.3) }));
  model.dispose();
  return {
    filters,
    size,
    weights,
    x: { shape: [batch, size, size, 1], values: randomValues(batch * size * size, 7) },
    y: {
      shape: [batch, size, size, 1],
      values: randomValues(batch * size * size, 8).map((v) => (v > 0 ? 1 : 0)),
    },
  };
}
type Fixture = ReturnType<typeof fixture>;

async function lossGradients(backend: string, f: Fixture): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = buildUNet({ filters: f.filters, size: f.size });
  model.setWeights(f.weights.map((w) => tf.tensor(w.values, w.shape)));
  const x = tf.tensor(f.x.values, f.x.shape),
    y = tf.tensor(f.y.values, f.y.shape);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(
    () => bceWithLogits(y, model.apply(x, { training: true }) as tf.Tensor),
    vars,
  );
  const out = vars.map((v) => Float32Array.from(grads[v.name]!.dataSync() as Float32Array));
  tf.dispose([x, y, ...Object.values(grads)]);
  model.dispose();
  return out;
}

async function trainedWeights(
  backend: string,
  f: Fixture,
  optimizer: tf.Optimizer,
  steps: number,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = buildUNet({ filters: f.filters, size: f.size });
  model.setWeights(f.weights.map((w) => tf.tensor(w.values, w.shape)));
  const x = tf.tensor(f.x.values, f.x.shape),
    y = tf.tensor(f.y.values, f.y.shape);
  const step = makeTrainStep(model, optimizer);
  for (let i = 0; i < steps; i++) expect(Number.isFinite(step(x, y))).toBe(true);
  const out = model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  return out;
}

describe.each(['native-cpu', 'js-cpu'])('%s', (backend) => {
  it('U-Net loss gradients match the stock backend (relative L2 < 1e-4 per variable)', async (ctx) => {
    skipWithout(backend, ctx);
    const f = fixture([4, 8, 16], 32, 2);
    const stock = await lossGradients('cpu', f);
    const ours = await lossGradients(backend, f);
    expect(ours.length).toBe(stock.length);
    const errs = ours.map((g, i) => relL2(g, stock[i]!));
    expect(Math.max(...errs)).toBeLessThan(1e-4);
  });
});

describe('FusedAdamOptimizer', () => {
  // it.for (not it.each) hands the test context to the callback, for the visible skip.
  it.for(['native-cpu', 'js-cpu'])(
    'gives the same weights as tfjs Adam after three U-Net steps on %s',
    async (backend, ctx) => {
      skipWithout(backend, ctx);
      const f = fixture([4, 8, 16], 16, 2);
      const reference = await trainedWeights(backend, f, tf.train.adam(1e-2), 3);
      const fused = await trainedWeights(backend, f, new FusedAdamOptimizer(1e-2), 3);
      const errs = fused.map((w, i) => relL2(w, reference[i]!));
      expect(Math.max(...errs)).toBeLessThan(1e-6);
      // ...and the weights did move: a no-op optimizer would not pass.
      const initial = f.weights.map((w) => w.values);
      expect(Math.min(...fused.map((w, i) => relL2(w, initial[i]!)))).toBeGreaterThan(1e-4);
    },
  );

  it('falls back to the stock update on other backends and saves the same weights', async () => {
    const f = fixture([4, 8, 16], 16, 1);
    const opt = new FusedAdamOptimizer(1e-2);
    const onCpu = await trainedWeights('cpu', f, opt, 2);
    const reference = await trainedWeights('cpu', f, tf.train.adam(1e-2), 2);
    expect(Math.max(...onCpu.map((w, i) => relL2(w, reference[i]!)))).toBeLessThan(1e-6);
    expect(opt.getClassName()).toBe('Adam');
  });
});
