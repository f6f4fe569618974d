/**
 * The output-buffer pool of the fast cpu backends (kernels/recycling-backend.ts) must never hand out a
 * buffer something can still see: values read out of a tensor, or a view kept by another tensor.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '../../../../electron/engine/tf.js';
import { engineBackends, skipWithout } from '../setup.js';

beforeAll(async () => {
  await engineBackends();
});

/** A kernel output of n floats from our kernels (Relu is native on native-cpu, Add on both). */
const produce = (n: number, v: number) => tf.add(tf.fill([n], v), tf.scalar(0));

describe.each(['native-cpu', 'js-cpu'])('%s', (backend) => {
  beforeEach((ctx) => skipWithout(backend, ctx));

  it('reuses the buffer of a disposed kernel output', async () => {
    await tf.setBackend(backend);
    const data = (t: tf.Tensor) =>
      (tf.backend() as unknown as { data: { get(id: object): { values: unknown } } }).data.get(t.dataId)
        .values;
    const a = produce(4096, 1);
    const buffer = data(a);
    a.dispose();
    const b = produce(4096, 2);
    expect(data(b)).toBe(buffer);
    expect(Array.from(b.dataSync().slice(0, 2))).toEqual([2, 2]);
    b.dispose();
  });

  it('never reuses a buffer whose values were read out', async () => {
    await tf.setBackend(backend);
    const a = produce(4096, 1);
    const values = a.dataSync();
    a.dispose();
    const b = produce(4096, 2);
    expect(values[0]).toBe(1);
    b.dispose();
  });

  it('never reuses a buffer another tensor still views (stock slice shares memory)', async () => {
    await tf.setBackend(backend);
    const a = produce(4096, 1);
    const view = tf.slice(a, [0], [2048]);
    a.dispose();
    const b = produce(4096, 2);
    expect(Array.from(view.dataSync().slice(0, 2))).toEqual([1, 1]);
    tf.dispose([view, b]);
  });

  it('keeps values shared through reshape and clone until the last reference goes', async () => {
    await tf.setBackend(backend);
    const a = produce(4096, 1);
    const r = tf.reshape(a, [64, 64]);
    const c = tf.clone(a);
    a.dispose();
    const b = produce(4096, 2);
    expect([r.dataSync()[0], c.dataSync()[0]]).toEqual([1, 1]);
    tf.dispose([r, c, b]);
  });
});
