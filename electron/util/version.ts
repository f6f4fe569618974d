/** The application's name and version, read once from package.json (also inside a packaged asar). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

function findPackageJson(): { name: string; productName?: string; version: string } {
  // From electron/services (source) or dist/electron/services (built), walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'apprentice') return pkg as { name: string; productName?: string; version: string };
    } catch {
      /* keep walking */
    }
    dir = dirname(dir);
  }
  return { name: 'apprentice', productName: 'Apprentice', version: '0.0.0' };
}

const pkg = findPackageJson();
export const APP_NAME = pkg.productName ?? 'Apprentice';
export const APP_VERSION = pkg.version;
