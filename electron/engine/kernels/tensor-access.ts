/**
 * Zero-copy access to the cpu backend's tensor storage. Kernels hosted on a MathBackendCPU read the
 * Float32Array that backs an input and hand a filled Float32Array back as the output, so the native
 * addon works on tfjs memory directly (unlike the wasm backend, whose heap would need copies).
 * Outputs come from the backend's recycling pool (recycling-backend.ts).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { RecyclingCpuBackend } from './recycling-backend.js';

export type CpuBackend = RecyclingCpuBackend;

/** The float32 values of a tensor, or null when it is not float32 (the kernel then defers to stock). */
export function f32(backend: CpuBackend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

export function output(backend: CpuBackend, shape: number[], values: Float32Array): TensorInfo {
  return backend.output(shape, values);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
