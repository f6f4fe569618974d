// Packs the desktop app with electron-builder (`--linux dir`) against a stub Electron distribution
// (no Electron binary can be downloaded here) and inspects the real app.asar it produces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(p: string, o: object): string[];
  extractFile(p: string, f: string): Buffer;
};
const electronVersion = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('packaging', () => {
  const t = tempDir('apprentice-pack-');
  let files: string[] = [];
  let asarPath = '';

  beforeAll(() => {
    for (const f of ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
      if (!existsSync(join(REPO_ROOT, f)))
        throw new Error(`${f} is missing: run "npm run build" (npm test does it first)`);
    }
    // The smallest Electron "distribution" electron-builder accepts: an executable named electron.
    const stub = join(t.dir, 'electron-dist');
    mkdirSync(stub);
    writeFileSync(join(stub, 'electron'), '#!/bin/sh\necho stub\n');
    chmodSync(join(stub, 'electron'), 0o755);
    writeFileSync(join(stub, 'version'), electronVersion);
    const out = join(t.dir, 'out');
    execFileSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'electron-builder', 'cli.js'),
        '--linux',
        'dir',
        '--config',
        'build/electron-builder.yml',
        `-c.electronDist=${stub}`,
        `-c.electronVersion=${electronVersion}`,
        `-c.directories.output=${out}`,
        // Rebuilding native modules for Electron downloads its headers; users' builds do it, this check does not.
        '-c.npmRebuild=false',
      ],
      { cwd: REPO_ROOT, stdio: 'pipe', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
    asarPath = join(out, 'linux-unpacked', 'resources', 'app.asar');
    files = asar.listPackage(asarPath, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
  }, 600_000);

  afterAll(() => t.cleanup());

  it('holds the built main process, preload and renderer', () => {
    for (const f of [
      '/package.json',
      '/dist/electron/main.js',
      '/dist/electron/preload.cjs',
      '/dist/electron/ipc.js',
      '/dist/renderer/index.html',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => /^\/dist\/renderer\/assets\/index-.*\.js$/.test(f))).toBe(true);
    const pkg = JSON.parse(asar.extractFile(asarPath, 'package.json').toString()) as { main: string };
    expect(files).toContain(`/${pkg.main}`);
  });

  it('carries the demo data with its attribution where the built demo module looks for it', () => {
    expect(files).toContain('/dist/electron/transfer/demo.js');
    // Beside app.asar (process.resourcesPath), where demoDataDir() looks in an installed app.
    const demo = join(dirname(asarPath), 'demo', 'hc18');
    expect(existsSync(join(demo, 'manifest.csv'))).toBe(true);
    expect(existsSync(join(demo, 'ATTRIBUTION.md'))).toBe(true);
    expect(readdirSync(join(demo, 'test', 'masks')).filter((f) => f.endsWith('.png'))).toHaveLength(41);
  });

  it('carries no tests, TypeScript sources or source maps of ours', () => {
    const ours = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(ours.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(ours.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(
      ours.filter(
        (f) => f.startsWith('/test') || f.startsWith('/renderer/') || f.startsWith('/electron/cli'),
      ),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('carries the production dependencies the main process loads, and no development tools', () => {
    expect(files).toContain('/node_modules/better-sqlite3/package.json');
    expect(files).toContain('/node_modules/ws/package.json');
    expect(files.some((f) => f.startsWith('/node_modules/vitest/'))).toBe(false);
    expect(files.some((f) => f.startsWith('/node_modules/electron-builder/'))).toBe(false);
    expect(files.some((f) => f.startsWith('/node_modules/playwright-core/'))).toBe(false);
    expect(files.some((f) => f.startsWith('/node_modules/@rollup/'))).toBe(false);
  });

  it('unpacks the native modules for this platform only, next to the archive', () => {
    const unpacked = `${asarPath}.unpacked`;
    expect(
      existsSync(join(unpacked, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')),
    ).toBe(true);
    expect(
      existsSync(join(unpacked, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64')),
    ).toBe(true);
    expect(existsSync(join(unpacked, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'win32'))).toBe(
      false,
    );
    if (
      existsSync(
        join(REPO_ROOT, 'electron', 'engine', 'native', 'build', 'Release', 'apprentice_kernels.node'),
      )
    ) {
      expect(
        existsSync(
          join(unpacked, 'electron', 'engine', 'native', 'build', 'Release', 'apprentice_kernels.node'),
        ),
      ).toBe(true);
    }
  });
});
