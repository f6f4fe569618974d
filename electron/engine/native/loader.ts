/**
 * Finds and loads the native kernel addon (built by node-gyp into native/build/Release). The same
 * N-API binary loads in Node and Electron. Looked up, in order: APPRENTICE_NATIVE_ADDON, the unpacked
 * asar of a packaged app (electron-builder must list the .node in asarUnpack), then the source tree
 * found from this file (tsx, tests, a bundled main process) or from the working directory. APPRENTICE_DISABLE_ADDON=1 forces
 * the JS fallback (tests, benchmarks, diagnosing a broken build).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the addon exports; see native/src/addon.cc and elementwise.cc. Shapes travel as Int32Array. */
export interface NativeAddon {
  conv2d(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    geom: Int32Array,
    relu: boolean,
  ): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geom: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  maxPool(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geom: Int32Array): void;
  /** repeat > 0: the smaller operand is indexed i / repeat (shape ending in 1s); else i % its size. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, repeat: number): void;
  transpose(x: Float32Array, out: Float32Array, shape: Int32Array, perm: Int32Array): void;
  /** geom: [B, H, W, C, bh, bw, padTop, padLeft, OH, OW] (NHWC, two block dims) */
  spaceToBatch(x: Float32Array, out: Float32Array, geom: Int32Array): void;
  /** geom: [B, H, W, C, bh, bw, cropTop, cropLeft, OH, OW]; B is the output batch */
  batchToSpace(x: Float32Array, out: Float32Array, geom: Int32Array): void;
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    out: Float32Array,
    epsilon: number,
  ): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha?: number): void;
  reduce(x: Float32Array, out: Float32Array, rows: number, cols: number, inner: boolean, op: number): void;
  concatInner(parts: Float32Array[], widths: Int32Array, out: Float32Array, rows: number): void;
  sliceInner(
    x: Float32Array,
    out: Float32Array,
    rows: number,
    width: number,
    begin: number,
    size: number,
  ): void;
  /** consts: [lr, beta1, 1-beta1, beta2, 1-beta2, epsilon, 1-accBeta1, 1-accBeta2] */
  adam(
    value: Float32Array,
    m: Float32Array,
    v: Float32Array,
    grad: Float32Array,
    outValue: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    consts: Float64Array,
  ): void;
  reluGrad(dy: Float32Array, y: Float32Array, out: Float32Array): void;
  setThreads(n: number): number;
  info(): { library: string; threads: number; abi: string };
  clearCache(): void;
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

const FILE = 'apprentice_kernels.node';
const RELATIVE = path.join('electron', 'engine', 'native', 'build', 'Release');

export function addonCandidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const list: string[] = [];
  const fromEnv = process.env.APPRENTICE_NATIVE_ADDON;
  if (fromEnv) list.push(path.resolve(fromEnv));
  // Packaged app: electron-builder's asarUnpack puts it beside the asar.
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) list.push(path.join(resources, 'app.asar.unpacked', RELATIVE, FILE));
  // Source tree (tsx, tests: this file is electron/engine/native/loader.ts) and bundles (dist/electron/...):
  // walk up to the folder that holds electron/engine/native.
  list.push(path.join(here, 'build', 'Release', FILE));
  for (let dir = here, i = 0; i < 5; i++, dir = path.dirname(dir)) list.push(path.join(dir, RELATIVE, FILE));
  list.push(path.join(process.cwd(), RELATIVE, FILE));
  return [...new Set(list)];
}

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  if (cached) return cached;
  // OpenMP threads that spin while waiting for work steal the core from whatever else runs; on a busy
  // 2-core machine that made steps 5x slower. libgomp reads this when the addon loads it.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  if (process.env.APPRENTICE_DISABLE_ADDON === '1') {
    cached = { ok: false, reason: 'the native addon is disabled (APPRENTICE_DISABLE_ADDON=1)' };
    return cached;
  }
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const p of addonCandidates()) {
    if (!existsSync(p)) continue;
    try {
      cached = { ok: true, addon: require(p) as NativeAddon, path: p };
      return cached;
    } catch (err) {
      tried.push(`${p}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  cached = {
    ok: false,
    reason:
      tried.length > 0
        ? `the native addon failed to load (${tried.join('; ')})`
        : 'the native addon is not built',
  };
  return cached;
}
