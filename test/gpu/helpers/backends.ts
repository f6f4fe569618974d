/**
 * The two backends the GPU suite compares, both registered in one process: 'webgpu' through the product's
 * own backend selection (an explicit request, so a software adapter such as lavapipe is accepted), and
 * the native CPU backend ('native-cpu', the N-API addon) as the reference. Tests switch between them with
 * `onBackend`, which copies nothing: tensors made inside belong to that backend.
 */
import { initCompute } from '../../../electron/engine/backend.js';
import { loadAddon } from '../../../electron/engine/native/loader.js';
import { NATIVE_BACKEND, registerFastCpuBackend } from '../../../electron/engine/kernels/register.js';
import * as tf from '../../../electron/engine/tf.js';
import type { ComputeInfo } from '../../../shared/compute.js';

export const GPU = 'webgpu';
export const CPU = NATIVE_BACKEND;

let ready: Promise<ComputeInfo> | null = null;

/** Starts the engine on WebGPU and registers the native CPU backend beside it; fails, saying why, if either is missing. */
export function gpuAndCpu(): Promise<ComputeInfo> {
  ready ??= (async () => {
    const info = await initCompute({ requested: 'webgpu' });
    if (info.backend !== GPU)
      throw new Error(
        `WebGPU is not available here: ${info.candidates.find((c) => c.name === 'webgpu')?.reason}`,
      );
    const addon = loadAddon();
    if (!addon.ok) throw new Error(`the native CPU backend is not available: ${addon.reason}`);
    if (!tf.findBackendFactory(CPU)) registerFastCpuBackend(CPU, addon.addon);
    return info;
  })();
  return ready;
}

/** Runs `fn` with `backend` active and returns its result; the previous backend is restored after. */
export async function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return await fn();
  } finally {
    await tf.setBackend(before);
  }
}

/** ||a - b|| / ||b||, the measure of agreement (0 when both are zero). */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
