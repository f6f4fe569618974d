// The renderer is compiled for the Chromium inside the Electron version we ship, no older, no newer.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/temp.js';

const require = createRequire(import.meta.url);

describe('vite build target', () => {
  it("matches the Chromium of package.json's Electron", async () => {
    const { CHROMIUM_TARGET } = await import('../../../renderer/vite.config.js');
    const range = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.electron!;
    const [major, minor] = range.replace(/^[~^]/, '').split('.');
    const versions = require('electron-to-chromium/versions') as Record<string, string>;
    const chromium = versions[`${major}.${minor}`];
    expect(chromium, `electron-to-chromium knows Electron ${major}.${minor}`).toBeDefined();
    expect(CHROMIUM_TARGET).toBe(`chrome${chromium}`);
  });

  it('uses an Electron major that is still supported (one of the latest three)', () => {
    const versions = require('electron-to-chromium/versions') as Record<string, string>;
    const majors = [...new Set(Object.keys(versions).map((v) => Number(v.split('.')[0])))].sort(
      (a, b) => b - a,
    );
    const ours = Number(require('electron/package.json').version.split('.')[0]);
    // electron-to-chromium also lists the next major's pre-releases; allow for it.
    expect(majors.slice(0, 4)).toContain(ours);
  });
});
