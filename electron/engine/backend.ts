/**
 * Chooses the tfjs backend at run time, best first, and reports the choice (About panel, CLI, logs):
 *   tensorflow  tfjs-node-gpu, then tfjs-node (optional dependencies, loaded only when installed)
 *   webgpu      Dawn's `webgpu` package + tfjs-backend-webgpu (optional dependencies), on Vulkan / Metal /
 *               D3D12: 'auto' takes it when Dawn finds a hardware adapter; a software one (Mesa's lavapipe)
 *               is slower than the native CPU kernels, so it is used only when asked for by name (CI's
 *               correctness suite runs the GPU code path on it)
 *   native      'native-cpu': the stock cpu backend with the hot kernels in the N-API addon; without
 *               the addon, 'js-cpu' (same, with JS convolutions) and a notice that training is slow
 *   cpu         the stock pure-JS backend, last resort
 * The choice comes from opts.requested, else APPRENTICE_BACKEND, else 'auto'. A request that cannot be
 * met falls back to the best available backend and says so in `notice`.
 */
import os from 'node:os';
import {
  COMPUTE_BACKEND_CHOICES,
  type ComputeBackendChoice,
  type ComputeInfo,
  type GpuAdapterInfo,
} from '../../shared/compute.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { loadAddon } from './native/loader.js';
import { JS_BACKEND, NATIVE_BACKEND, registerFastCpuBackend } from './kernels/register.js';
import { RecyclingCpuBackend } from './kernels/recycling-backend.js';
import { installFusedConvTraining } from './ops/fused-conv-training.js';
import { loadDawn, probeAdapterInChild } from './webgpu/adapter.js';
import * as tf from './tf.js';

type Candidate = ComputeInfo['candidates'][number];
interface Attempt extends Candidate {
  backend?: string;
  library?: string;
}

/** Best first: the order candidates are reported in. */
const RANK = ['tensorflow', 'webgpu', 'native', 'cpu'];

let current: ComputeInfo | null = null;
let pending: Promise<ComputeInfo> | null = null;

export function getComputeInfo(): ComputeInfo | null {
  return current;
}

/**
 * Lets go of the recycled tensor buffers the fast cpu backends keep between kernels (up to the size of
 * a training step's working set). Call when a training or batch-inference job ends.
 */
export function releaseComputeMemory(): void {
  const backend = tf.findBackend(tf.getBackend());
  if (backend instanceof RecyclingCpuBackend) backend.releasePool();
  else if (tf.getBackend() === 'webgpu') releaseGpuPool(backend);
}

/**
 * tfjs-backend-webgpu keeps freed GPU buffers for reuse (tfjs-backend-webgpu 4.x BufferManager); destroying
 * the free ones gives the memory back. The map's keys stay: its releaseBuffer ignores buffers once the map
 * is empty, which would leak the ones still in use.
 */
function releaseGpuPool(backend: unknown): void {
  const manager = (
    backend as {
      bufferManager?: {
        freeBuffers?: Map<string, { size: number; destroy(): void }[]>;
        numFreeBuffers: number;
        numBytesAllocated: number;
      };
    }
  ).bufferManager;
  if (!manager?.freeBuffers) return;
  for (const list of manager.freeBuffers.values())
    for (const buffer of list.splice(0)) {
      manager.numFreeBuffers--;
      manager.numBytesAllocated -= buffer.size;
      buffer.destroy();
    }
}

/** The backend asked for by APPRENTICE_BACKEND ('auto' when unset); throws INVALID_ARGUMENT on a typo. */
export function requestedFromEnv(env: NodeJS.ProcessEnv = process.env): ComputeBackendChoice {
  return parseChoice(env.APPRENTICE_BACKEND, 'APPRENTICE_BACKEND');
}

function parseChoice(raw: string | undefined, source: string): ComputeBackendChoice {
  const v = (raw ?? 'auto').trim().toLowerCase() || 'auto';
  if ((COMPUTE_BACKEND_CHOICES as readonly string[]).includes(v)) return v as ComputeBackendChoice;
  throw new AppError(ErrorCode.INVALID_ARGUMENT, `Unknown compute backend "${raw}" in ${source}`, {
    allowed: [...COMPUTE_BACKEND_CHOICES],
  });
}

function threadCount(): number {
  const env = Number(process.env.APPRENTICE_THREADS);
  return Number.isInteger(env) && env > 0 ? env : os.availableParallelism();
}

/** Imports an optional package by a name TypeScript does not resolve at build time. */
async function optionalImport(name: string): Promise<unknown> {
  return import(name);
}

async function tryTensorflow(): Promise<Attempt> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await optionalImport(pkg);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      reasons.push(
        code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
          ? `${pkg} not installed`
          : `${pkg} failed to load: ${(err as Error).message.split('\n')[0]}`,
      );
      continue;
    }
    if (tf.findBackend('tensorflow'))
      return {
        name: 'tensorflow',
        available: true,
        backend: 'tensorflow',
        reason: `via ${pkg}`,
        library: pkg,
      };
    reasons.push(`${pkg} loaded but registered no backend with this tfjs-core (version mismatch?)`);
  }
  return { name: 'tensorflow', available: false, reason: reasons.join('; ') };
}

/**
 * The WebGPU backend where it is worth taking. 'auto' asks a child process for the adapter first and loads
 * Dawn here only for a hardware one; an explicit request loads it at once (a software adapter is accepted
 * then: that is how CI runs the GPU code path). tfjs-backend-webgpu registers itself on import only when
 * navigator.gpu exists, so it loads after Dawn. The adapter is reported even when not used.
 */
async function tryWebgpu(requested: ComputeBackendChoice): Promise<Attempt & { gpu?: GpuAdapterInfo }> {
  const unavailable = (reason: string, gpu?: GpuAdapterInfo) => ({
    name: 'webgpu',
    available: false,
    reason,
    ...(gpu ? { gpu } : {}),
  });
  const noAdapter = 'no WebGPU adapter found (no GPU, or no Vulkan / Metal / D3D12 driver for it)';
  if (requested !== 'webgpu') {
    const probe = await probeAdapterInChild();
    if ('error' in probe) return unavailable(probe.error);
    if (!probe.gpu) return unavailable(noAdapter);
    if (probe.gpu.software)
      return unavailable(
        `only a software adapter (${probe.gpu.description || probe.gpu.device}): slower than the CPU kernels, used only on request`,
        probe.gpu,
      );
  }
  const loaded = await loadDawn();
  if ('error' in loaded) return unavailable(loaded.error);
  const gpu = loaded.gpu;
  if (!gpu) return unavailable(noAdapter);
  const named = `${gpu.description || gpu.device || gpu.vendor}`;
  try {
    await optionalImport('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      name: 'webgpu',
      available: false,
      gpu,
      reason:
        code === 'ERR_MODULE_NOT_FOUND'
          ? 'the optional package @tensorflow/tfjs-backend-webgpu is not installed'
          : `tfjs-backend-webgpu failed to load: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  // The factory is async (it asks for a device), so the instance exists only once set: look for the factory.
  if (!tf.findBackendFactory('webgpu'))
    return { name: 'webgpu', available: false, gpu, reason: 'tfjs-backend-webgpu registered no backend' };
  return {
    name: 'webgpu',
    available: true,
    backend: 'webgpu',
    gpu,
    reason: `${gpu.software ? 'software adapter' : 'GPU'}: ${named}`,
  };
}

function tryNative(): Attempt {
  const load = loadAddon();
  if (load.ok) {
    registerFastCpuBackend(NATIVE_BACKEND, load.addon);
    return {
      name: 'native',
      available: true,
      backend: NATIVE_BACKEND,
      library: load.addon.info().library,
      reason: `native kernels (${load.addon.info().library})`,
    };
  }
  registerFastCpuBackend(JS_BACKEND, null);
  return {
    name: 'native',
    available: true,
    backend: JS_BACKEND,
    reason: `${load.reason}: JavaScript convolutions`,
  };
}

async function activate(backend: string): Promise<boolean> {
  try {
    return (await tf.setBackend(backend)) && tf.getBackend() === backend;
  } catch {
    return false;
  }
}

async function choose(requested: ComputeBackendChoice): Promise<ComputeInfo> {
  const threads = threadCount();
  const addon = loadAddon();
  if (addon.ok) addon.addon.setThreads(threads);

  const best = ['tensorflow', 'webgpu', 'native', 'cpu'] as const;
  const order: ComputeBackendChoice[] =
    requested === 'auto' ? [...best] : [requested, ...best.filter((c) => c !== requested)];
  const candidates: Attempt[] = [];
  let chosen: Attempt | undefined;
  let gpu: GpuAdapterInfo | undefined;
  for (const name of order) {
    const attempt: Attempt =
      name === 'tensorflow'
        ? await tryTensorflow()
        : name === 'webgpu'
          ? await tryWebgpu(requested).then(({ gpu: found, ...rest }) => ((gpu = found), rest))
          : name === 'native'
            ? tryNative()
            : { name: 'cpu', available: true, backend: 'cpu', reason: 'stock tfjs JavaScript kernels' };
    if (!chosen && attempt.available && attempt.backend && (await activate(attempt.backend)))
      chosen = attempt;
    else if (attempt.available && !chosen) {
      attempt.available = false;
      attempt.reason = `${attempt.reason ?? ''}; failed to initialise`.replace(/^; /, '');
    }
    candidates.push(attempt);
    if (chosen) break; // the rest would not be used; their probing could load native code for nothing
  }
  if (!chosen) throw new AppError(ErrorCode.INTERNAL, 'No tfjs backend could be initialised');
  // Name the ones not tried too, so the About panel shows the whole picture.
  for (const name of best)
    if (!candidates.some((c) => c.name === name))
      candidates.push(
        name === 'cpu'
          ? { name, available: true, reason: 'not used: a faster backend is available' }
          : { name, available: false, reason: `not tried: ${chosen.name} was taken first` },
      );
  await tf.ready();
  installFusedConvTraining([NATIVE_BACKEND, JS_BACKEND]);

  const notices: string[] = [];
  if (requested !== 'auto' && chosen.name !== requested)
    notices.push(
      `Backend "${requested}" is not available (${candidates.find((c) => c.name === requested)?.reason ?? 'unknown'}); using ${chosen.backend}.`,
    );
  if (chosen.backend === JS_BACKEND)
    notices.push(
      'Native kernels are not built, so training runs on the slow JavaScript fallback. Install libdnnl-dev (oneDNN) and run `npm rebuild` (see electron/engine/README.md).',
    );
  if (chosen.backend === 'cpu')
    notices.push('Using the stock JavaScript cpu backend: training will be very slow.');

  const versions: Record<string, string> = { 'tfjs-core': tf.version_core, node: process.versions.node };
  if (addon.ok) versions.addon = addon.addon.info().library;
  return {
    backend: tf.getBackend(),
    requested,
    candidates: [...candidates]
      .sort((a, b) => RANK.indexOf(a.name) - RANK.indexOf(b.name))
      .map(({ name, available, reason }) => (reason ? { name, available, reason } : { name, available })),
    nativeKernels: chosen.backend === NATIVE_BACKEND,
    ...(chosen.backend === NATIVE_BACKEND && chosen.library ? { nativeLibrary: chosen.library } : {}),
    ...(gpu ? { gpu } : {}),
    threads: chosen.backend === NATIVE_BACKEND ? threads : 1,
    ...(notices.length > 0 ? { notice: notices.join(' ') } : {}),
    versions,
  };
}

/**
 * Selects and activates the backend (idempotent: later calls return the first result, unless a
 * different explicit choice is requested, which switches backends).
 */
export async function initCompute(opts?: { requested?: ComputeBackendChoice }): Promise<ComputeInfo> {
  const explicit = opts?.requested && opts.requested !== 'auto' ? opts.requested : undefined;
  const requested = explicit ?? requestedFromEnv();
  if (current && (current.requested === requested || !explicit)) return current;
  if (pending) await pending.catch(() => undefined);
  if (current && (current.requested === requested || !explicit)) return current;
  pending = choose(requested);
  try {
    current = await pending;
    return current;
  } finally {
    pending = null;
  }
}
