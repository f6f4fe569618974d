// The real desktop app through Playwright's _electron. No Electron binary can be downloaded on the
// project's machines (see ../shared/ENVIRONMENT.md), so this runs only where `npm ci` fetched one.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { REPO_ROOT } from '../helpers/temp.js';

function electronBinary(): string | null {
  const dir = join(REPO_ROOT, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const exe = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

const exe = electronBinary();
const built = existsSync(join(REPO_ROOT, 'dist', 'electron', 'main.js'));
if (!exe)
  console.warn(
    'Electron smoke test skipped: no Electron binary in node_modules/electron (installed with ELECTRON_SKIP_BINARY_DOWNLOAD).',
  );

describe.skipIf(!exe || !built)('desktop app (Electron binary present)', () => {
  it('opens the window with the projects page and a sandboxed window.api', async () => {
    const app = await _electron.launch({
      executablePath: exe!,
      args: [REPO_ROOT],
      env: { ...process.env, APPRENTICE_USER_DATA: '' },
    });
    try {
      const win = await app.firstWindow();
      await win.getByTestId('nav-projects').waitFor();
      const shape = await win.evaluate(() => {
        const g = globalThis as { api?: { getAppInfo?: unknown }; require?: unknown; process?: unknown };
        return { api: typeof g.api?.getAppInfo, node: typeof g.require, process: typeof g.process };
      });
      expect(shape).toEqual({ api: 'function', node: 'undefined', process: 'undefined' });
    } finally {
      await app.close();
    }
  });
});
