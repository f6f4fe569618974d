/** Registers the engine's backends once per test file: native-cpu (when the addon is built) and js-cpu. */
import { initCompute } from '../../../electron/engine/backend.js';
import {
  JS_BACKEND,
  NATIVE_BACKEND,
  registerFastCpuBackend,
} from '../../../electron/engine/kernels/register.js';
import { loadAddon } from '../../../electron/engine/native/loader.js';

export const addonLoad = loadAddon();

/** The fast backends under test: both when the addon is built, else only the JS one. */
export async function engineBackends(): Promise<string[]> {
  await initCompute({ requested: 'native' });
  registerFastCpuBackend(JS_BACKEND, null);
  return addonLoad.ok ? [NATIVE_BACKEND, JS_BACKEND] : [JS_BACKEND];
}
