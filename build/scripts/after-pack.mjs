// electron-builder afterPack hook (build/electron-builder.yml): on Linux, puts the libraries the native
// kernel addon links (oneDNN, libgomp, the OpenCL loader) beside the packed addon, before the AppImage
// and the deb are made from the same folder. Without them the addon does not load on a machine lacking
// oneDNN and training runs on the JavaScript kernels, tens of times slower. The deb carries them too:
// Debian's oneDNN package is named by its soname (libdnnl2, libdnnl3 in newer releases), so declaring it
// would make the deb uninstallable wherever that exact version is not packaged.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  PACKED_ADDON,
  bundleNativeLibs,
  declaredPackages,
  missingLibraries,
  runLdd,
} from './native-libs.mjs';

/**
 * @param {{
 *   appOutDir: string,
 *   electronPlatformName: string,
 *   targets: { name: string }[],
 *   packager: { config: { deb?: { depends?: unknown } | null } },
 * }} context
 * @returns {Promise<string[]>} the sonames bundled (empty off Linux or without an addon)
 */
export async function afterPack(context) {
  if (context.electronPlatformName !== 'linux') return [];
  const addon = join(context.appOutDir, 'resources', PACKED_ADDON);
  if (!existsSync(addon)) {
    // Same policy as the build (electron/engine/native/build.mjs): the app still runs, on the JS kernels,
    // and says so on screen; the packager is told loudly.
    console.warn(
      `[apprentice] ${addon} is missing: this installer will train on the slow JavaScript kernels. ` +
        'Build the addon first (npm run build:native, needs libdnnl-dev).',
    );
    return [];
  }
  const bundled = bundleNativeLibs(addon);
  // Whatever stays outside must be declared by the deb (where dpkg can tell which package holds it).
  if (context.targets.some((t) => t.name === 'deb') && hasDpkg()) {
    const problems = missingLibraries({
      libs: runLdd(addon),
      bundledDir: dirname(addon),
      declared: declaredPackages(context.packager.config.deb?.depends),
    });
    if (problems.length > 0)
      throw new Error(
        `build/electron-builder.yml deb.depends misses what ${addon} needs: ${problems.join('; ')}`,
      );
  }
  console.log(`[apprentice] native addon: bundled ${bundled.join(', ')} beside it`);
  return bundled;
}

function hasDpkg() {
  return ['/usr/bin/dpkg', '/bin/dpkg'].some((p) => existsSync(p));
}

export default afterPack;
