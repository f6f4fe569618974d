/**
 * The addon is loaded by the main process and by training/inference workers at once; its primitive
 * cache and scratchpad are shared, so concurrent calls must give the same results as serial ones.
 */
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { addonLoad } from '../setup.js';

// Runs in each thread: convolutions of several shapes (cache hits and misses), forward and backward.
const WORK = `
const work = (a) => {
  let s = 0;
  for (let i = 0; i < 120; i++) {
    const h = 16 + (i % 5) * 4, c = 4, o = 8;
    const x = new Float32Array(2 * h * h * c).map((_, j) => Math.sin(j + i));
    const w = new Float32Array(9 * c * o).map((_, j) => Math.cos(j));
    const y = new Float32Array(2 * h * h * o), dw = new Float32Array(9 * c * o), dx = new Float32Array(x.length);
    const g = Int32Array.of(2, h, h, c, 3, 3, o, h, h, 1, 1, 1, 1, 1, 1);
    a.conv2d(x, w, null, y, g, true);
    a.conv2dBackpropFilter(x, y, dw, g);
    a.conv2dBackpropInput(y, w, dx, g);
    s += y.reduce((p, q) => p + q, 0) + dw.reduce((p, q) => p + q, 0) + dx.reduce((p, q) => p + q, 0);
  }
  return s;
};`;

it('gives identical results when worker threads run kernels concurrently', async (ctx) => {
  const load = addonLoad;
  if (!load.ok) return ctx.skip(load.reason);
  const work = new Function('a', `${WORK}; return work(a);`) as (a: unknown) => number;
  const reference = work(load.addon);
  const code = `${WORK}
const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage(work(require(workerData)));`;
  const workers = [0, 1, 2].map(() => new Worker(code, { eval: true, workerData: load.path }));
  try {
    const results = await Promise.all([
      Promise.resolve(work(load.addon)),
      ...workers.map(
        (w) => new Promise<number>((resolve, reject) => w.on('message', resolve).on('error', reject)),
      ),
    ]);
    expect(results).toEqual([reference, reference, reference, reference]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});
