/**
 * The native kernel addon loads. Where it was not built (no libdnnl-dev) the native-cpu tests are
 * skipped, visibly; CI sets APPRENTICE_REQUIRE_NATIVE=1, and there a missing addon is a failure.
 */
import { expect, it } from 'vitest';
import { addonLoad, nativeRequired } from '../setup.js';

it('the native addon is built and loads (install libdnnl-dev; see electron/engine/README.md)', (ctx) => {
  ctx.skip(!addonLoad.ok && !nativeRequired, 'not required here: APPRENTICE_REQUIRE_NATIVE is not 1');
  expect(addonLoad.ok ? 'loaded' : addonLoad.reason).toBe('loaded');
  if (addonLoad.ok) expect(typeof addonLoad.addon.info().library).toBe('string');
});
