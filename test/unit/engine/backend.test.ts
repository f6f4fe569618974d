/** Backend selection and what it reports (About panel, CLI, logs). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ComputeInfo } from '../../../shared/compute.js';
import { AppError } from '../../../shared/errors.js';
import {
  getComputeInfo,
  initCompute,
  releaseComputeMemory,
  requestedFromEnv,
} from '../../../electron/engine/backend.js';
import * as tf from '../../../electron/engine/tf.js';
import { type DawnAdapter, isSoftwareAdapter } from '../../../electron/engine/webgpu/adapter.js';
import { addonLoad } from './setup.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('initCompute', () => {
  it('picks the best available backend and reports why the others were not taken', async () => {
    expect(getComputeInfo()).toBeNull();
    const info = await initCompute({ requested: 'auto' });
    expect(getComputeInfo()).toBe(info);
    expect(tf.getBackend()).toBe(info.backend);
    const tensorflow = info.candidates.find((c) => c.name === 'tensorflow');
    expect(tensorflow).toMatchObject({ available: false });
    expect(tensorflow?.reason).toMatch(/tfjs-node-gpu not installed.*tfjs-node not installed/);
    expect(info.candidates.map((c) => c.name)).toEqual(['tensorflow', 'webgpu', 'native', 'cpu']);
    // These machines have no GPU: at most Mesa's lavapipe, which 'auto' must not train on.
    const webgpu = info.candidates.find((c) => c.name === 'webgpu')!;
    expect(webgpu.available).toBe(false);
    if (info.gpu) {
      expect(info.gpu.software).toBe(true);
      expect(webgpu.reason).toMatch(/only a software adapter \(.+\).*used only on request/);
      // Found by a child process: Dawn (and its driver warnings on stderr) never loaded here.
      expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    } else expect(webgpu.reason).toMatch(/not installed|no WebGPU adapter|Dawn failed to load/);
    if (addonLoad.ok) {
      expect(info).toMatchObject({ backend: 'native-cpu', nativeKernels: true, requested: 'auto' });
      expect(info.nativeLibrary).toMatch(/^oneDNN \d/);
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(info.notice).toBeUndefined();
    }
    expect(info.versions['tfjs-core']).toBe(tf.version_core);
    // Idempotent: the same result, no re-selection.
    expect(await initCompute()).toBe(info);
  });

  it('switches when a different backend is asked for by name, and says when it cannot comply', async () => {
    const cpu = await initCompute({ requested: 'cpu' });
    expect(cpu).toMatchObject({ backend: 'cpu', requested: 'cpu', nativeKernels: false });
    expect(cpu.notice).toMatch(/very slow/);
    const gpu = await initCompute({ requested: 'tensorflow' });
    expect(gpu.backend).not.toBe('tensorflow');
    expect(gpu.notice).toMatch(/"tensorflow" is not available/);
    // Asked for by name, WebGPU runs even on a software adapter (CI's lavapipe); without one it says why.
    const webgpu = await initCompute({ requested: 'webgpu' });
    if (webgpu.gpu) {
      expect(webgpu).toMatchObject({ backend: 'webgpu', requested: 'webgpu' });
      expect(webgpu.candidates.find((c) => c.name === 'webgpu')?.reason).toContain(webgpu.gpu.description);
      expect(webgpu.notice).toBeUndefined();
    } else expect(webgpu.notice).toMatch(/"webgpu" is not available \(.+\); using /);
    const native = await initCompute({ requested: 'native' });
    expect(native.backend).toBe(addonLoad.ok ? 'native-cpu' : 'js-cpu');
  });

  it('reads APPRENTICE_BACKEND and rejects unknown names with INVALID_ARGUMENT', () => {
    expect(requestedFromEnv({})).toBe('auto');
    expect(requestedFromEnv({ APPRENTICE_BACKEND: ' Native ' })).toBe('native');
    expect(() => requestedFromEnv({ APPRENTICE_BACKEND: 'cuda' })).toThrow(AppError);
    try {
      requestedFromEnv({ APPRENTICE_BACKEND: 'cuda' });
    } catch (e) {
      expect((e as AppError).code).toBe('INVALID_ARGUMENT');
    }
  });
});

it('releases pooled buffers without touching live tensors', async () => {
  await initCompute({ requested: 'native' });
  const kept = tf.tidy(() => {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
    tf.dispose(tf.relu(tf.add(x, 1))); // leaves a buffer in the pool
    return tf.relu(x);
  });
  const before = Array.from(kept.dataSync());
  releaseComputeMemory();
  expect(Array.from(tf.tidy(() => tf.relu(tf.neg(kept))).dataSync()).every((v) => v === 0)).toBe(true);
  expect(Array.from(kept.dataSync())).toEqual(before);
  kept.dispose();
});

describe('without the native addon', () => {
  it('trains on the JS fallback and says so clearly', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'no-addon.child.ts')], {
      encoding: 'utf8',
      env: { ...process.env, APPRENTICE_DISABLE_ADDON: '1', APPRENTICE_BACKEND: 'auto' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { info: ComputeInfo; losses: number[] };
    expect(out.info).toMatchObject({ backend: 'js-cpu', nativeKernels: false });
    expect(out.info.notice).toMatch(/Native kernels are not built.*slow/);
    expect(out.losses.every(Number.isFinite)).toBe(true);
    expect(out.losses[2]!).toBeLessThan(out.losses[0]!);
  });
});

describe('isSoftwareAdapter', () => {
  const adapter = (info: Partial<DawnAdapter['info']>, fallback?: boolean): DawnAdapter => ({
    info: { vendor: '', architecture: '', device: '', description: '', ...info },
    ...(fallback === undefined ? {} : { isFallbackAdapter: fallback }),
    limits: { maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 27 },
  });
  it('knows software rasterisers, by flag or by name, and takes real GPUs for hardware', () => {
    // As Dawn 0.6 reports Mesa 25's lavapipe on these machines.
    expect(
      isSoftwareAdapter(
        adapter({
          vendor: 'mesa',
          architecture: 'software',
          device: 'llvmpipe-llvm-15-0-6-256-bits-',
          description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
          isFallbackAdapter: true,
        }),
      ),
    ).toBe(true);
    expect(isSoftwareAdapter(adapter({ description: 'SwiftShader Device (Subzero)' }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ vendor: 'google' }, true))).toBe(true);
    expect(
      isSoftwareAdapter(
        adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA: 550.54.15' }),
      ),
    ).toBe(false);
    expect(isSoftwareAdapter(adapter({ vendor: 'apple', architecture: 'metal-3' }, false))).toBe(false);
  });
});
