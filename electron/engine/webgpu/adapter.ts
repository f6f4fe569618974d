/**
 * Finding the WebGPU adapter: Dawn (the optional `webgpu` package) in this process, or in a short child
 * process. 'auto' probes in a child so that a machine without a GPU never loads Dawn here: on a software
 * Vulkan driver (Mesa's lavapipe, installed on many Linux desktops) Dawn prints driver warnings on
 * stderr, and the engine would not use that adapter anyway.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { GpuAdapterInfo } from '../../../shared/compute.js';

export interface DawnAdapter {
  info: {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

/** Software rasterisers report themselves as fallback adapters (or by name, for older Dawn builds). */
export function isSoftwareAdapter(a: DawnAdapter): boolean {
  return (
    a.info.isFallbackAdapter === true ||
    a.isFallbackAdapter === true ||
    a.info.architecture === 'software' ||
    /llvmpipe|lavapipe|swiftshader|warp/i.test(`${a.info.device} ${a.info.description}`)
  );
}

export function adapterInfo(a: DawnAdapter): GpuAdapterInfo {
  return {
    vendor: a.info.vendor,
    architecture: a.info.architecture,
    device: a.info.device,
    description: a.info.description,
    software: isSoftwareAdapter(a),
    maxBufferSize: a.limits.maxBufferSize,
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
  };
}

export type AdapterProbe = { gpu: GpuAdapterInfo | null } | { error: string };

const NO_PACKAGE = 'the optional package webgpu is not installed';

function dawnEntry(): string | null {
  try {
    return createRequire(import.meta.url).resolve('webgpu');
  } catch {
    return null;
  }
}

/** Loads Dawn here, makes it navigator.gpu (what tfjs-backend-webgpu looks for) and asks for the adapter. */
export async function loadDawn(): Promise<AdapterProbe & { adapter?: DawnAdapter }> {
  const entry = dawnEntry();
  if (!entry) return { error: NO_PACKAGE };
  try {
    const dawn = (await import(pathToFileURL(entry).href)) as {
      create(opts: string[]): { requestAdapter(o?: object): Promise<DawnAdapter | null> };
      globals: Record<string, unknown>;
    };
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? { gpu: adapterInfo(adapter), adapter } : { gpu: null };
  } catch (err) {
    return { error: `Dawn failed to load: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** The adapter Dawn would give, asked in a child process whose stderr is dropped. */
export function probeAdapterInChild(timeoutMs = 30_000): Promise<AdapterProbe> {
  const entry = dawnEntry();
  if (!entry) return Promise.resolve({ error: NO_PACKAGE });
  const script = `
    const dawn = await import(${JSON.stringify(pathToFileURL(entry).href)});
    Object.assign(globalThis, dawn.globals);
    const a = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
    const i = a && a.info;
    process.stdout.write(JSON.stringify(a ? { info: { vendor: i.vendor, architecture: i.architecture,
      device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter },
      isFallbackAdapter: a.isFallbackAdapter, limits: { maxBufferSize: a.limits.maxBufferSize,
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize } } : null));
    process.exit(0);`;
  return new Promise((resolve) => {
    // In the packaged app process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: timeoutMs,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => resolve({ error: `the adapter probe could not start: ${err.message}` }));
    child.on('close', (code, signal) => {
      if (code !== 0)
        return resolve({
          error: signal ? `the adapter probe was stopped (${signal})` : `Dawn failed to load (exit ${code})`,
        });
      try {
        const a = JSON.parse(out) as DawnAdapter | null;
        resolve({ gpu: a ? adapterInfo(a) : null });
      } catch {
        resolve({ error: 'the adapter probe answered nonsense' });
      }
    });
  });
}
