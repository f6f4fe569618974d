/**
 * The cpu backends' ResizeNearestNeighborGrad (engine/kernels/resize-nearest-grad.ts), which replaces
 * tfjs-backend-cpu's: that one reads dy at the wrong batch offset when batch > 1.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '../../../../electron/engine/tf.js';
import { input, relL2 } from '../numerics.js';
import { engineBackends, skipWithout } from '../setup.js';

beforeAll(async () => {
  await engineBackends();
});

describe.each(['native-cpu', 'js-cpu'])('%s ResizeNearestNeighborGrad', (B) => {
  beforeEach((ctx) => skipWithout(B, ctx));

  it('sums each image’s own dy: batch 2, 1x1 up-sampled to 2x2', async () => {
    await tf.setBackend(B);
    const dy = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2, 1]);
    const dx = tf.engine().runKernel(
      tf.ResizeNearestNeighborGrad,
      { images: tf.zeros([2, 1, 1, 1]), dy },
      {
        alignCorners: false,
        halfPixelCenters: false,
      },
    ) as tf.Tensor;
    expect(Array.from(await dx.data())).toEqual([6, 22]);
  });

  // The gradient is the adjoint of the forward resize: <resize(x), dy> = <x, grad(dy)> for every x, dy.
  it.each([
    ['3x3 -> 6x6, batch 2', [2, 3, 3, 4], [6, 6], false, false],
    ['4x4 -> 7x5, batch 3', [3, 4, 4, 2], [7, 5], false, false],
    ['3x3 -> 6x6, align corners', [2, 3, 3, 2], [6, 6], true, false],
    ['3x3 -> 5x5, half-pixel centers', [2, 3, 3, 2], [5, 5], false, true],
  ] as const)('is the adjoint of the forward resize: %s', async (_, shape, size, align, half) => {
    await tf.setBackend(B);
    const x = input([...shape], 1);
    const y = tf.image.resizeNearestNeighbor(
      tf.tensor4d(x.values, [...shape] as never),
      [...size],
      align,
      half,
    );
    const dyIn = input(y.shape, 2);
    const dy = tf.tensor(dyIn.values, y.shape);
    const dx = tf.engine().runKernel(
      tf.ResizeNearestNeighborGrad,
      { images: tf.zeros([...shape]), dy },
      {
        alignCorners: align,
        halfPixelCenters: half,
      },
    ) as tf.Tensor;
    const yv = await y.data(),
      dxv = await dx.data();
    let lhs = 0,
      rhs = 0;
    for (let i = 0; i < yv.length; i++) lhs += yv[i]! * dyIn.values[i]!;
    for (let i = 0; i < dxv.length; i++) rhs += x.values[i]! * dxv[i]!;
    expect(relL2([rhs], [lhs])).toBeLessThan(1e-5);
  });
});
