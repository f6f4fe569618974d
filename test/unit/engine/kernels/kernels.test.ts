/**
 * The memory-bound native kernels (pooling, elementwise, reductions, concat/slice/split, the fused
 * ReLU gradient) against the stock cpu kernels over the shapes a network produces, broadcasts included.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '../../../../electron/engine/tf.js';
import { compareWithStock, input, relL2 } from '../numerics.js';
import { engineBackends, skipWithout } from '../setup.js';

const TOL = 1e-5;

beforeAll(async () => {
  await engineBackends();
});

// js-cpu runs the JS versions of pooling, reductions, concat/slice/split; its elementwise ops are stock.
describe.each(['native-cpu', 'js-cpu'])('%s memory-bound kernels', (B) => {
  beforeEach((ctx) => skipWithout(B, ctx));

  it.each([
    ['2x2 s2 valid, batch 2', [2, 8, 8, 5], 2, 2, 'valid'],
    ['2x2 s2 valid, odd size', [1, 9, 7, 3], 2, 2, 'valid'],
    ['3x3 s2 same, 70 channels (two channel blocks)', [2, 7, 7, 70], 3, 2, 'same'],
    ['3x3 s1 same (overlapping windows)', [1, 6, 6, 4], 3, 1, 'same'],
  ] as const)('MaxPool and MaxPoolGrad %s', async (_, shape, k, s, pad) => {
    const f = (x: tf.Tensor, g: tf.Tensor) => {
      const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, s, pad);
      return [pool(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), g)))(x)];
    };
    const out = tf.backend_util.computePool2DInfo([...shape] as never, k, s, 1, pad).outShape;
    expect(await compareWithStock(B, [input([...shape], 1), input(out, 2)], f)).toBeLessThan(TOL);
  });

  it('MaxPoolGrad sends ties to the first maximum, like tfjs', async () => {
    const x = { shape: [1, 4, 4, 2], values: new Float32Array(32).fill(0.5) };
    const f = (a: tf.Tensor) =>
      tf.grad((b: tf.Tensor) => tf.sum(tf.maxPool(b as tf.Tensor4D, 2, 2, 'valid')))(a);
    expect(await compareWithStock(B, [x], f)).toBe(0);
  });

  const binary: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  it.each(binary)('%s: same shape, channel broadcast (both sides), scalar', async (_, op) => {
    const full = [2, 5, 6, 7];
    for (const [sa, sb] of [
      [full, full],
      [full, [7]],
      [[7], full],
      [full, [1, 1, 1, 7]],
      [full, []],
      [[], full],
      [full, [6, 7]],
    ]) {
      const err = await compareWithStock(B, [input(sa!, 3), input(sb!, 4)], op);
      expect(err, `${sa} vs ${sb}`).toBeLessThan(TOL);
    }
  });

  it.each(binary)('%s: per-position broadcast of a shape ending in 1s (gates), both sides', async (_, op) => {
    const full = [2, 5, 6, 7];
    for (const [sa, sb] of [
      [full, [2, 5, 6, 1]],
      [[2, 5, 6, 1], full],
      [full, [2, 1, 1, 1]],
      [full, [5, 6, 1]],
    ]) {
      const err = await compareWithStock(B, [input(sa!, 13), input(sb!, 14)], op);
      expect(err, `${sa} vs ${sb}`).toBeLessThan(TOL);
    }
  });

  it.each([
    ['[1,1,1,7] x [2,3,4,1] (BatchNorm gradient)', [1, 1, 1, 7], [2, 3, 4, 1]],
    ['[2,3] x [3,1]', [2, 3], [3, 1]],
    ['[1,4] x [5,1]', [1, 4], [5, 1]],
    ['[2,3] x [1,2] (stock path)', [2, 3], [1, 2]],
    ['[2,1,3] x [2,2,1] (stock path)', [2, 1, 3], [2, 2, 1]],
  ] as const)('Tile %s', async (_, shape, reps) => {
    expect(await compareWithStock(B, [input([...shape], 15)], (x) => tf.tile(x, [...reps]))).toBeLessThan(
      TOL,
    );
  });

  it.each([
    ['NHWC to NCHW', [2, 3, 4, 5], [0, 3, 1, 2]],
    ['reversed', [3, 1, 2, 4], [3, 2, 1, 0]],
    ['2-D', [17, 9], [1, 0]],
    ['6-D (space-to-batch)', [2, 3, 2, 4, 2, 3], [2, 4, 0, 1, 3, 5]],
    ['identity', [4, 5], [0, 1]],
  ] as const)('Transpose %s', async (_, shape, perm) => {
    expect(
      await compareWithStock(B, [input([...shape], 16)], (x) => tf.transpose(x, [...perm])),
    ).toBeLessThan(TOL);
  });

  it.each([
    [
      'rate 2, padding 2, 6x6',
      [2, 6, 6, 3],
      [2, 2],
      [
        [2, 2],
        [2, 2],
      ],
    ],
    [
      'rate 3, uneven padding, 7x5',
      [1, 7, 5, 2],
      [3, 3],
      [
        [3, 5],
        [3, 4],
      ],
    ],
    [
      'rates [2,1], no padding',
      [3, 4, 5, 4],
      [2, 1],
      [
        [0, 0],
        [0, 0],
      ],
    ],
  ] as const)('spaceToBatchND / batchToSpaceND %s and their gradients', async (_, shape, block, pads) => {
    const f = (x: tf.Tensor) => {
      const p = pads.map((q) => [...q]);
      const op = (a: tf.Tensor) =>
        tf.batchToSpaceND(tf.mul(tf.spaceToBatchND(a, [...block], p), 2), [...block], p);
      const s2b = tf.spaceToBatchND(x, [...block], p);
      return [s2b, op(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), tf.sin(a))))(x)];
    };
    expect(await compareWithStock(B, [input([...shape], 17)], f)).toBeLessThan(TOL);
  });

  it('FusedBatchNorm with and without offset/scale, and its gradient', async () => {
    const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor, g: tf.Tensor) => {
      const pv = tf.add(tf.abs(v), 0.5);
      const bn = (a: tf.Tensor, off: tf.Tensor, sc: tf.Tensor) => tf.batchNorm(a, m, pv, off, sc, 1e-3);
      return [
        bn(x, o, s),
        tf.batchNorm(x, m, pv, undefined, undefined, 0.01),
        ...tf.grads((a: tf.Tensor, off: tf.Tensor, sc: tf.Tensor) => tf.sum(tf.mul(bn(a, off, sc), g)))([
          x,
          o,
          s,
        ]),
      ];
    };
    const c = 6;
    const inputs = [
      input([2, 5, 4, c], 19),
      input([c], 20),
      input([c], 21),
      input([c], 22),
      input([c], 23),
      input([2, 5, 4, c], 24),
    ];
    expect(await compareWithStock(B, inputs, f)).toBeLessThan(TOL);
  });

  it('binary ops with a non-suffix broadcast fall back to the stock kernel', async () => {
    expect(await compareWithStock(B, [input([2, 5, 6, 7], 5), input([2, 1, 1, 7], 6)], tf.add)).toBeLessThan(
      TOL,
    );
  });

  const positive = (x: tf.Tensor) => tf.add(tf.abs(x), 0.1);
  const unary: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['relu', tf.relu],
    ['step', (x) => tf.step(x, 0.3)],
    ['neg', tf.neg],
    ['exp', tf.exp],
    ['log', (x) => tf.log(positive(x))],
    ['sqrt', (x) => tf.sqrt(positive(x))],
    ['square', tf.square],
    ['abs', tf.abs],
    ['sigmoid', tf.sigmoid],
    ['log1p', (x) => tf.log1p(positive(x))],
    ['rsqrt', (x) => tf.rsqrt(positive(x))],
    ['reciprocal', (x) => tf.reciprocal(positive(x))],
  ];
  it.each(unary)('%s', async (_, op) => {
    expect(await compareWithStock(B, [input([3, 33, 17, 5], 7)], op)).toBeLessThan(TOL);
  });

  it('relu and step keep NaN, like tfjs', async () => {
    await tf.setBackend(B);
    const v = tf.tidy(() => {
      const x = tf.tensor([NaN, -1, 2]);
      return [...tf.relu(x).dataSync(), ...tf.step(x).dataSync()];
    });
    expect(v.map((n) => (Number.isNaN(n) ? 'NaN' : n))).toEqual(['NaN', 0, 2, 'NaN', 0, 1]);
  });

  it.each([
    ['sum over N,H,W (bias gradient)', (x: tf.Tensor) => tf.sum(x, [0, 1, 2])],
    ['sum over N,H,W keepDims', (x: tf.Tensor) => tf.sum(x, [0, 1, 2], true)],
    ['sum over the last axis', (x: tf.Tensor) => tf.sum(x, -1)],
    ['sum of everything', (x: tf.Tensor) => tf.sum(x)],
    ['mean of everything', (x: tf.Tensor) => tf.mean(x)],
    ['mean over the last two axes', (x: tf.Tensor) => tf.mean(x, [2, 3])],
    ['max over the last axis', (x: tf.Tensor) => tf.max(x, -1)],
    ['min over everything', (x: tf.Tensor) => tf.min(x)],
    ['max over leading axes (stock path)', (x: tf.Tensor) => tf.max(x, [0, 1])],
    ['sum over a middle axis (stock path)', (x: tf.Tensor) => tf.sum(x, 1)],
  ] as const)('%s', async (_, op) => {
    expect(await compareWithStock(B, [input([3, 9, 11, 6], 8)], op)).toBeLessThan(TOL);
  });

  it.each([
    ['last axis (U-Net skip)', -1, [2, 6, 6, 3], [2, 6, 6, 5]],
    ['axis 1', 1, [2, 3, 4, 2], [2, 5, 4, 2]],
    ['axis 0', 0, [1, 3, 4], [2, 3, 4]],
  ] as const)('Concat along %s and its gradient (SplitV)', async (_, axis, sa, sb) => {
    const f = (a: tf.Tensor, b: tf.Tensor, g: tf.Tensor) => [
      tf.concat([a, b], axis),
      ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], axis), g)))([a, b]),
    ];
    const out = tf.backend_util.computeOutShape([[...sa], [...sb]], axis < 0 ? sa.length + axis : axis);
    expect(
      await compareWithStock(B, [input([...sa], 9), input([...sb], 10), input(out, 11)], f),
    ).toBeLessThan(TOL);
  });

  it('Slice along one inner axis, along the outer axis, and a general slice', async () => {
    const f = (x: tf.Tensor) => [
      tf.slice(x, [0, 0, 0, 2], [-1, -1, -1, 3]),
      tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1]),
      tf.slice(x, [0, 1, 2, 1], [2, 3, 2, 2]),
    ];
    expect(await compareWithStock(B, [input([3, 5, 6, 7], 12)], f)).toBeLessThan(TOL);
  });

  it('the comparison itself fails on NaN and on a wrong value', () => {
    expect(relL2([1, NaN], [1, 2])).toBe(Infinity);
    expect(relL2([1, 2], [1, NaN])).toBe(Infinity);
    expect(relL2([1, 2.1], [1, 2])).toBeGreaterThan(TOL);
  });
});
