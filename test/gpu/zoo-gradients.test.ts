/**
 * Every zoo architecture (and the variants that run other kernels: BatchNorm, several classes, RGB,
 * deep supervision, DeepLabv3+'s atrous convolutions and image pooling) trains the same on WebGPU as on
 * the native CPU backend: from identical seeded weights and batch, the training-mode outputs, the
 * product's loss and its gradient w.r.t. every trainable weight agree within relative L2 1e-4.
 * The backends run with the product's flags (WebGPU hands small tensors to its CPU kernels, as in training).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZOO_CASES, zooGradients, type ZooResult } from './cases.js';
import { CPU, GPU, gpuAndCpu, onBackend, relativeL2 } from './helpers/backends.js';

const TOLERANCE = 1e-4;
const report: string[] = [];

beforeAll(async () => {
  await gpuAndCpu();
});

afterAll(() => {
  // The figures behind the pass, for the CI log and the README.
  if (report.length) console.log(`worst relative L2, ${GPU} vs ${CPU}:\n${report.join('\n')}`);
});

describe('zoo training gradients on WebGPU against the native CPU backend', () => {
  for (const c of ZOO_CASES)
    it(c.name, async () => {
      const cpu: ZooResult = await onBackend(CPU, () => zooGradients(c));
      const gpu: ZooResult = await onBackend(GPU, () => zooGradients(c));

      // The reference is not degenerate: a finite loss and gradients that are not all zero.
      expect(Number.isFinite(cpu.loss), `${c.name}: CPU loss ${cpu.loss}`).toBe(true);
      const live = cpu.grads.filter((g) => g.values.some((v) => v !== 0)).length;
      expect(live, `${c.name}: weights with a non-zero gradient`).toBeGreaterThan(cpu.grads.length / 2);

      expect(
        relativeL2([gpu.loss], [cpu.loss]),
        `${c.name}: loss ${gpu.loss} vs ${cpu.loss}`,
      ).toBeLessThanOrEqual(TOLERANCE);
      expect(gpu.outputs.length).toBe(cpu.outputs.length);
      const out = Math.max(...cpu.outputs.map((o, i) => relativeL2(gpu.outputs[i]!, o)));
      expect(out, `${c.name}: output relative L2`).toBeLessThanOrEqual(TOLERANCE);

      expect(gpu.grads.map((g) => g.name)).toEqual(cpu.grads.map((g) => g.name));
      const errs = cpu.grads.map((g, i) => ({
        name: g.name,
        err: relativeL2(gpu.grads[i]!.values, g.values),
      }));
      const worst = errs.reduce((a, b) => (b.err > a.err || Number.isNaN(b.err) ? b : a));
      report.push(
        `  ${c.name}: output ${out.toExponential(1)}, gradients ${worst.err.toExponential(1)} (${worst.name}, ${errs.length} weights)`,
      );
      expect(worst.err, `${c.name}: gradient of ${worst.name}, relative L2 ${worst.err}`).toBeLessThanOrEqual(
        TOLERANCE,
      );
    });
});
