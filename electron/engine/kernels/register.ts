/**
 * Registers a fast cpu tfjs backend ('native-cpu' with the addon, 'js-cpu' without): a MathBackendCPU
 * (tensors are plain Float32Arrays, so the addon reads and writes them without copies; outputs are
 * recycled, see recycling-backend.ts) carrying every stock cpu kernel, with the hot ones replaced by
 * native kernels, or by the JS convolutions when the addon is absent. The stock 'cpu'
 * backend stays untouched beside it, which is what the numerics suite compares against.
 */
import {
  getKernel,
  getKernelsForBackend,
  registerBackend,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../native/loader.js';
import { convKernels, type ConvImpl } from './conv-kernels.js';
import { jsConv } from './js-conv.js';
import { jsMemoryKernels } from './js-memory-kernels.js';
import { nativeKernels, type MemoryKernels } from './native-kernels.js';
import { RecyclingCpuBackend } from './recycling-backend.js';
import { resizeNearestNeighborGradKernel } from './resize-nearest-grad.js';

export const NATIVE_BACKEND = 'native-cpu';
/** The same backend with the pure-JS convolutions, when the addon is not built. */
export const JS_BACKEND = 'js-cpu';

export interface Registration {
  backend: string;
  /** Kernels replaced on top of the stock cpu set. */
  overridden: string[];
  nativeKernels: boolean;
  /** The memory-bound kernels behind this backend (also used by FusedAdamOptimizer). */
  memory: MemoryKernels;
}

function nativeConv(addon: NativeAddon): ConvImpl {
  return {
    backpropInputAccumulates: false,
    conv2d: (x, w, bias, y, geom, relu) => addon.conv2d(x, w, bias, y, geom, relu),
    conv2dBackpropInput: (dy, w, dx, geom) => addon.conv2dBackpropInput(dy, w, dx, geom),
    conv2dBackpropFilter: (x, dy, dw, geom) => addon.conv2dBackpropFilter(x, dy, dw, geom),
  };
}

const registered = new Map<string, Registration>();

/** The registration of a fast cpu backend by tfjs backend name, if it is one of ours. */
export function fastCpuRegistration(name: string): Registration | undefined {
  return registered.get(name);
}

/** Idempotent per name. `addon` null selects the JS convolutions (tests use this to check them too). */
export function registerFastCpuBackend(name: string, addon: NativeAddon | null): Registration {
  const seen = registered.get(name);
  if (seen) return seen;
  const stockConfigs = getKernelsForBackend('cpu');
  const stockByName = new Map<string, KernelFunc>(stockConfigs.map((c) => [c.kernelName, c.kernelFunc]));
  const stock = (kernel: string): KernelFunc => {
    const f = stockByName.get(kernel);
    if (!f) throw new Error(`tfjs cpu kernel ${kernel} is not registered`);
    return f;
  };
  // Delegated activations must use this backend's own (possibly native) kernels.
  const own = (kernel: string): KernelFunc => getKernel(kernel, name)?.kernelFunc ?? stock(kernel);

  registerBackend(name, () => new RecyclingCpuBackend(), 1);
  for (const c of stockConfigs)
    if (!getKernel(c.kernelName, name)) registerKernel({ ...c, backendName: name });

  const overrides: KernelConfig[] = addon
    ? [...convKernels(nativeConv(addon), name, stock, own), ...nativeKernels(addon, name, stock)]
    : [...convKernels(jsConv, name, stock, own), ...nativeKernels(jsMemoryKernels, name, stock)];
  // A correctness fix, not a speed-up: the stock kernel is wrong for batch > 1 (see resize-nearest-grad.ts).
  overrides.push(resizeNearestNeighborGradKernel(name, stock('ResizeNearestNeighborGrad')));
  for (const c of overrides) {
    if (getKernel(c.kernelName, name)) unregisterKernel(c.kernelName, name);
    registerKernel(c);
  }
  const reg: Registration = {
    backend: name,
    overridden: overrides.map((c) => c.kernelName),
    nativeKernels: addon !== null,
    memory: addon ?? jsMemoryKernels,
  };
  registered.set(name, reg);
  return reg;
}
