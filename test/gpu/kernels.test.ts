/**
 * Every kernel the zoo's training step runs, forward and backward, on WebGPU against the native CPU
 * backend (relative L2 <= 1e-4, the issue's bar). The list of kernels is not written by hand: a profile of
 * one product training step of every zoo case, on each backend, must be covered by the cases'
 * kernels, so a new kernel in the zoo fails here until it has a case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../electron/engine/tf.js';
import {
  CPU_ONLY_KERNELS,
  KERNEL_CASES,
  runKernelCase,
  ZOO_CASES,
  zooStepKernels,
  type KernelCase,
  type KernelResult,
} from './cases.js';
import { CPU, GPU, gpuAndCpu, onBackend, relativeL2 } from './helpers/backends.js';

const TOLERANCE = 1e-4;
let cpuForward: boolean;

beforeAll(async () => {
  await gpuAndCpu();
  // tfjs-backend-webgpu runs ops on tensors under 1000 elements, whose data is still on the CPU, with its
  // CPU kernels; the cases are that small, so without this they would not test a single WGSL program.
  cpuForward = tf.env().getBool('WEBGPU_CPU_FORWARD');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
});

const report: string[] = [];

afterAll(() => {
  tf.env().set('WEBGPU_CPU_FORWARD', cpuForward);
  // The figures behind the pass, for the CI log and the README.
  if (report.length) console.log(`worst relative L2 per case, ${GPU} vs ${CPU}:\n${report.join('\n')}`);
});

const results = new Map<string, { cpu: KernelResult; gpu: KernelResult }>();

async function both(c: KernelCase): Promise<{ cpu: KernelResult; gpu: KernelResult }> {
  let r = results.get(c.name);
  if (!r) {
    r = {
      cpu: await onBackend(CPU, () => runKernelCase(c)),
      gpu: await onBackend(GPU, () => runKernelCase(c)),
    };
    results.set(c.name, r);
  }
  return r;
}

describe('WebGPU kernels against the native CPU backend', () => {
  for (const c of KERNEL_CASES)
    it(c.name, async () => {
      const { cpu, gpu } = await both(c);
      expect(gpu.output.length).toBe(cpu.output.length);
      const errors = [
        { what: 'forward', err: relativeL2(gpu.output, cpu.output) },
        ...cpu.grads.map((g, i) => ({ what: `d/d input ${i}`, err: relativeL2(gpu.grads[i]!, g) })),
      ];
      const worst = errors.reduce((a, b) => (b.err > a.err || Number.isNaN(b.err) ? b : a));
      report.push(`  ${c.name} [${c.kernels.join(', ')}]: ${worst.err.toExponential(1)} (${worst.what})`);
      expect(cpu.grads.length, 'every differentiable input has a gradient').toBe(
        c.inputs.filter((s) => s.grad !== false).length,
      );
      expect(worst.err, `${c.name}: ${worst.what} relative L2 ${worst.err}`).toBeLessThanOrEqual(TOLERANCE);
      // The case runs the kernels it is listed for, on both backends (else the coverage below would lie).
      for (const k of c.kernels) {
        expect(cpu.kernels, `${c.name} runs ${k} on ${CPU}`).toContain(k);
        expect(gpu.kernels, `${c.name} runs ${k} on ${GPU}`).toContain(k);
      }
    });

  it("covers every kernel of every zoo case's training step, on both backends", async () => {
    const covered = new Set(KERNEL_CASES.flatMap((c) => c.kernels));
    for (const backend of [CPU, GPU]) {
      // The product's default flags here: this is the step as training runs it.
      const forward = tf.env().getBool('WEBGPU_CPU_FORWARD');
      tf.env().set('WEBGPU_CPU_FORWARD', cpuForward);
      const used = new Set<string>();
      try {
        for (const z of ZOO_CASES)
          for (const k of await onBackend(backend, () => zooStepKernels(z))) used.add(k);
      } finally {
        tf.env().set('WEBGPU_CPU_FORWARD', forward);
      }
      const missing = [...used].filter((k) => !covered.has(k) && !(backend === CPU && k in CPU_ONLY_KERNELS));
      expect(missing, `zoo kernels on ${backend} without a case in test/gpu/cases.ts`).toEqual([]);
      expect(used.size, `the profile of ${backend} found the zoo's kernels`).toBeGreaterThan(20);
    }
    for (const k of Object.keys(CPU_ONLY_KERNELS))
      expect(tf.getKernel(k, GPU), `${k} is registered for ${GPU}: it needs a case`).toBeUndefined();
  });
});
