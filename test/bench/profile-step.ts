/**
 * Where a U-Net training step spends its time, per tfjs kernel, on the chosen backend:
 *   tsx test/bench/profile-step.ts [tiny|big] [steps] [train|infer]
 * Every kernel of the active backend is wrapped with a timer; prints the top kernels by total time.
 */
import { initCompute } from '../../electron/engine/backend.js';
import { buildUNet } from './reference/unet.js';
import * as tf from '../../electron/engine/tf.js';
import { bceWithLogits } from '../../electron/engine/training/losses.js';
import { makeTrainStep } from './reference/train-step.js';
import { FusedAdamOptimizer } from '../../electron/engine/training/fused-adam.js';

const which = process.argv[2] === 'big' ? 'big' : 'tiny';
const inferOnly = process.argv[4] === 'infer';
const steps = Number(process.argv[3] ?? 3);
const cfg =
  which === 'big'
    ? { filters: [32, 64, 128, 256], size: 256, batch: 4 }
    : { filters: [8, 16, 32], size: 128, batch: 8 };
const info = await initCompute();
console.log(`backend ${info.backend} ${info.notice ?? ''}`);

const totals = new Map<string, { ms: number; calls: number }>();
for (const c of tf.getKernelsForBackend(info.backend)) {
  const inner = c.kernelFunc;
  tf.unregisterKernel(c.kernelName, info.backend);
  tf.registerKernel({
    ...c,
    kernelFunc: ((args: never) => {
      const t = performance.now();
      const r = inner(args);
      const e = totals.get(c.kernelName) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t;
      e.calls++;
      totals.set(c.kernelName, e);
      return r;
    }) as tf.KernelFunc,
  });
}

const model = buildUNet({ filters: cfg.filters, size: cfg.size });
const step = makeTrainStep(model, new FusedAdamOptimizer(1e-3), bceWithLogits);
const x = tf.randomNormal([cfg.batch, cfg.size, cfg.size, 1]);
const y = tf.cast(tf.greater(tf.randomUniform([cfg.batch, cfg.size, cfg.size, 1]), 0.5), 'float32');
const infer = async () => {
  // Read the result outside tidy: a typed array returned from tidy gets walked element by element.
  const out = tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor);
  await out.data();
  out.dispose();
};
const run = inferOnly ? infer : () => step(x, y);
await run();
totals.clear();
const t0 = performance.now(),
  cpu0 = process.cpuUsage(),
  ru0 = process.resourceUsage();
for (let i = 0; i < steps; i++) await run();
const wall = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(cpu0),
  ru = process.resourceUsage();
console.log(
  `cpu user ${(cpu.user / 1000 / steps).toFixed(1)} ms/step, sys ${(cpu.system / 1000 / steps).toFixed(1)} ms/step, ` +
    `minor faults ${Math.round((ru.minorPageFault - ru0.minorPageFault) / steps)}/step, peak RSS ${Math.round(ru.maxRSS / 1024)} MB`,
);
let kernelMs = 0;
for (const v of totals.values()) kernelMs += v.ms;
console.log(
  `${which} ${inferOnly ? 'inference' : 'train step'}: ${wall.toFixed(1)} ms/step, kernels ${(kernelMs / steps).toFixed(1)} ms/step, tensors ${tf.memory().numTensors}`,
);
for (const [name, v] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
  console.log(
    `${name.padEnd(24)} ${(v.ms / steps).toFixed(2).padStart(9)} ms ${String(v.calls / steps).padStart(6)} calls`,
  );
