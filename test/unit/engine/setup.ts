/** Registers the engine's backends once per test file: native-cpu (when the addon is built) and js-cpu. */
import type { TestContext } from 'vitest';
import { initCompute } from '../../../electron/engine/backend.js';
import {
  JS_BACKEND,
  NATIVE_BACKEND,
  registerFastCpuBackend,
} from '../../../electron/engine/kernels/register.js';
import { loadAddon } from '../../../electron/engine/native/loader.js';

export const addonLoad = loadAddon();

/**
 * Set where the addon must have built (CI installs libdnnl-dev and sets APPRENTICE_REQUIRE_NATIVE=1):
 * there a missing addon fails a test instead of skipping the native-cpu ones.
 */
export const nativeRequired = process.env.APPRENTICE_REQUIRE_NATIVE === '1';

/** The fast backends under test: both when the addon is built, else only the JS one. */
export const ENGINE_BACKENDS: readonly string[] = addonLoad.ok ? [NATIVE_BACKEND, JS_BACKEND] : [JS_BACKEND];

/** Registers the fast backends and returns their names. */
export async function engineBackends(): Promise<string[]> {
  await initCompute({ requested: 'native' });
  registerFastCpuBackend(JS_BACKEND, null);
  return [...ENGINE_BACKENDS];
}

/** Skips the running test visibly (reported as skipped, with the reason) when `backend` is not built here. */
export function skipWithout(backend: string, ctx: TestContext): void {
  ctx.skip(
    !ENGINE_BACKENDS.includes(backend),
    addonLoad.ok ? `${backend} is not registered` : `${backend}: ${addonLoad.reason}`,
  );
}
