/**
 * Convolution kernels (Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter and, through
 * them, conv2dTranspose) of native-cpu and js-cpu against the stock cpu kernels: relative L2 < 1e-5.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '../../../../electron/engine/tf.js';
import { compareWithStock, input } from '../numerics.js';
import { engineBackends, skipWithout } from '../setup.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
interface Case {
  name: string;
  x: number[];
  w: number[];
  strides: number | [number, number];
  pad: Pad;
  dilations: number | [number, number];
}

const CASES: Case[] = [
  { name: '3x3 s1 same, batch 2', x: [2, 9, 9, 3], w: [3, 3, 3, 8], strides: 1, pad: 'same', dilations: 1 },
  { name: '3x3 s1 valid', x: [1, 8, 8, 4], w: [3, 3, 4, 5], strides: 1, pad: 'valid', dilations: 1 },
  { name: '3x3 s2 same, even size', x: [2, 8, 8, 3], w: [3, 3, 3, 4], strides: 2, pad: 'same', dilations: 1 },
  { name: '3x3 s2 same, odd sizes', x: [1, 9, 7, 2], w: [3, 3, 2, 3], strides: 2, pad: 'same', dilations: 1 },
  {
    name: '3x3 s2 valid, even size (last row unread)',
    x: [2, 8, 8, 3],
    w: [3, 3, 3, 4],
    strides: 2,
    pad: 'valid',
    dilations: 1,
  },
  {
    name: '3x3 s2 valid, odd size',
    x: [1, 9, 9, 3],
    w: [3, 3, 3, 4],
    strides: 2,
    pad: 'valid',
    dilations: 1,
  },
  { name: '1x1, batch 3', x: [3, 7, 5, 6], w: [1, 1, 6, 4], strides: 1, pad: 'valid', dilations: 1 },
  { name: '2x2 s2 valid', x: [2, 8, 8, 4], w: [2, 2, 4, 6], strides: 2, pad: 'valid', dilations: 1 },
  {
    name: '5x3 strides [2,1] same',
    x: [1, 11, 10, 2],
    w: [5, 3, 2, 3],
    strides: [2, 1],
    pad: 'same',
    dilations: 1,
  },
  {
    name: 'explicit padding',
    x: [1, 7, 7, 2],
    w: [3, 3, 2, 3],
    strides: 1,
    pad: [
      [0, 0],
      [2, 1],
      [1, 2],
      [0, 0],
    ],
    dilations: 1,
  },
  { name: 'numeric padding 1', x: [2, 6, 6, 2], w: [3, 3, 2, 3], strides: 1, pad: 1, dilations: 1 },
  {
    name: 'one input channel (U-Net stem)',
    x: [4, 16, 16, 1],
    w: [3, 3, 1, 8],
    strides: 1,
    pad: 'same',
    dilations: 1,
  },
  { name: '17 -> 9 channels', x: [1, 6, 6, 17], w: [3, 3, 17, 9], strides: 1, pad: 'same', dilations: 1 },
];
const DILATED: Case[] = [
  { name: 'dilation 2 same', x: [2, 10, 10, 3], w: [3, 3, 3, 4], strides: 1, pad: 'same', dilations: 2 },
  {
    name: 'dilation [2,3] valid',
    x: [1, 11, 12, 2],
    w: [3, 3, 2, 3],
    strides: 1,
    pad: 'valid',
    dilations: [2, 3],
  },
];
const TOL = 1e-5;

const convOut = (c: Case) =>
  tf.backend_util.computeConv2DInfo(c.x as never, c.w as never, c.strides, c.dilations, c.pad).outShape;

beforeAll(async () => {
  await engineBackends();
});

describe.each(['native-cpu', 'js-cpu'])('%s', (backend) => {
  beforeEach((ctx) => skipWithout(backend, ctx));

  it.each([...CASES, ...DILATED].map((c) => [c.name, c] as const))('Conv2D %s', async (_, c) => {
    const err = await compareWithStock(backend, [input(c.x, 1), input(c.w, 2)], (x, w) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad as never, 'NHWC', c.dilations),
    );
    expect(err).toBeLessThan(TOL);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('Conv2DBackpropInput %s', async (_, c) => {
    const err = await compareWithStock(
      backend,
      [input(convOut(c), 3), input(c.w, 4)],
      (dy, w) =>
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, {
          inputShape: c.x,
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
        } as never) as tf.Tensor,
    );
    expect(err).toBeLessThan(TOL);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('Conv2DBackpropFilter %s', async (_, c) => {
    const err = await compareWithStock(
      backend,
      [input(c.x, 5), input(convOut(c), 6)],
      (x, dy) =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
          filterShape: c.w,
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
        } as never) as tf.Tensor,
    );
    expect(err).toBeLessThan(TOL);
  });

  it.each([
    ['relu', 'bias'],
    ['linear', 'bias'],
    ['relu', 'none'],
    ['elu', 'bias'],
    ['leakyrelu', 'bias'],
    ['sigmoid', 'none'],
    ['relu6', 'bias'],
  ] as const)('FusedConv2D forward, activation %s, bias %s', async (activation, bias) => {
    for (const c of [CASES[0]!, CASES[4]!, DILATED[0]!]) {
      const inputs = [input(c.x, 7), input(c.w, 8), input([c.w[3]!], 9)];
      const err = await compareWithStock(backend, inputs, (x, w, b) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          strides: c.strides,
          pad: c.pad as never,
          dilations: c.dilations,
          bias: bias === 'bias' ? b : undefined,
          activation,
          leakyreluAlpha: 0.1,
        }),
      );
      expect(err, c.name).toBeLessThan(TOL);
    }
  });

  it('FusedConv2D with prelu and a scalar bias', async () => {
    const c = CASES[0]!;
    const err = await compareWithStock(
      backend,
      [input(c.x, 10), input(c.w, 11), input([1], 12), input([c.w[3]!], 13)],
      (x, w, b, alpha) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: tf.reshape(b!, []),
          activation: 'prelu',
          preluActivationWeights: alpha,
        }),
    );
    expect(err).toBeLessThan(TOL);
  });

  it.each([
    ['2x2 s2 same, batch 1', [1, 4, 4, 6], [2, 2, 3, 6], [1, 8, 8, 3], 2, 'same'],
    ['2x2 s2 valid, batch 3', [3, 5, 5, 4], [2, 2, 2, 4], [3, 10, 10, 2], 2, 'valid'],
    ['3x3 s2 same, odd output', [2, 4, 4, 3], [3, 3, 5, 3], [2, 7, 7, 5], 2, 'same'],
    ['3x3 s1 same', [1, 6, 6, 2], [3, 3, 4, 2], [1, 6, 6, 4], 1, 'same'],
  ] as const)('conv2dTranspose %s: value and gradients', async (_, xs, ws, outShape, s, pad) => {
    const f = (x: tf.Tensor, w: tf.Tensor, g: tf.Tensor) => {
      const op = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [...outShape], s, pad), g));
      return [
        tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [...outShape], s, pad),
        ...tf.grads(op)([x, w]),
      ];
    };
    const err = await compareWithStock(
      backend,
      [input([...xs], 14), input([...ws], 15), input([...outShape], 16)],
      f,
    );
    expect(err).toBeLessThan(TOL);
  });

  it('fused conv + bias + ReLU keeps its exact gradients while training', async () => {
    for (const c of [CASES[0]!, CASES[2]!, CASES[6]!]) {
      const outShape = convOut(c);
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, g: tf.Tensor) =>
        tf.grads((a: tf.Tensor, k: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.fused.conv2d({
                x: a as tf.Tensor4D,
                filter: k as tf.Tensor4D,
                bias: bb,
                strides: c.strides,
                pad: c.pad as never,
                activation: 'relu',
              }),
              g,
            ),
          ),
        )([x, w, b]);
      const err = await compareWithStock(
        backend,
        [input(c.x, 17), input(c.w, 18), input([c.w[3]!], 19), input(outShape, 20)],
        f,
      );
      expect(err, c.name).toBeLessThan(TOL);
    }
  });
});
