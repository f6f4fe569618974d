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
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string, fromOptions: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: object, debug: { isEnabled: boolean; add(): void }): Promise<void>;
};
const fuses = require('@electron/fuses') as {
  getCurrentFuseWire(path: string): Promise<Record<string, unknown>>;
  FuseV1Options: Record<string, number>;
};
const { FuseState } = require('@electron/fuses/dist/constants') as {
  FuseState: { ENABLE: number; DISABLE: number };
};
/** What the installed app must have: the builder config's fuses, as @electron/fuses numbers them. */
const EXPECTED_FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  onlyLoadAppFromAsar: true,
  enableEmbeddedAsarIntegrityValidation: true,
  grantFileProtocolExtraPrivileges: false,
  enableCookieEncryption: false,
};
const FUSE_INDEX: Record<keyof typeof EXPECTED_FUSES, string> = {
  runAsNode: 'RunAsNode',
  enableNodeOptionsEnvironmentVariable: 'EnableNodeOptionsEnvironmentVariable',
  enableNodeCliInspectArguments: 'EnableNodeCliInspectArguments',
  onlyLoadAppFromAsar: 'OnlyLoadAppFromAsar',
  enableEmbeddedAsarIntegrityValidation: 'EnableEmbeddedAsarIntegrityValidation',
  grantFileProtocolExtraPrivileges: 'GrantFileProtocolExtraPrivileges',
  enableCookieEncryption: 'EnableCookieEncryption',
};
/**
 * The fuse wire of a real Electron binary (@electron/fuses' sentinel, wire version 1, 8 fuses) with
 * Electron's defaults: RunAsNode, NodeOptions, NodeCliInspect and file:// privileges on, the rest off.
 */
const STUB_FUSE_WIRE = Buffer.concat([
  Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'ascii'),
  Buffer.from([1, 8]),
  Buffer.from('10110001', 'ascii'),
]);

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
    // Carries a fuse wire where the real binary has one, so that electron-builder flips the fuses in it.
    writeFileSync(
      join(stub, 'electron'),
      Buffer.concat([Buffer.from('#!/bin/sh\necho stub\nexit 0\n'), STUB_FUSE_WIRE]),
    );
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

  it('flips the Electron fuses in the packed executable as build/electron-builder.yml says', async () => {
    const wire = await fuses.getCurrentFuseWire(join(dirname(dirname(asarPath)), 'apprentice'));
    for (const [key, want] of Object.entries(EXPECTED_FUSES)) {
      const index = fuses.FuseV1Options[FUSE_INDEX[key as keyof typeof EXPECTED_FUSES]]!;
      expect(wire[index], key).toBe(want ? FuseState.ENABLE : FuseState.DISABLE);
    }
  });

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
      const release = join(unpacked, 'electron', 'engine', 'native', 'build', 'Release');
      expect(existsSync(join(release, 'apprentice_kernels.node'))).toBe(true);
      // The afterPack hook (build/scripts/after-pack.mjs) put oneDNN beside it; test/unit/build/native-libs
      // checks the whole set with ldd.
      expect(existsSync(join(release, 'libdnnl.so.2'))).toBe(true);
    }
  });
});

describe('the builder configuration', () => {
  const quiet = { isEnabled: false, add: () => undefined };
  const load = () => getConfig(REPO_ROOT, 'build/electron-builder.yml', null);

  it('resolves, as electron-builder loads it, to a valid configuration with the fuses set', async () => {
    const config = await load();
    await validateConfiguration(config, quiet);
    expect(config.electronFuses).toEqual(EXPECTED_FUSES);
    expect(config.asar).toBe(true);
  });

  it("would refuse a misspelt fuse (the schema check is electron-builder's own)", async () => {
    const config = await load();
    const fuseOptions = config.electronFuses as Record<string, unknown>;
    const { runAsNode: _runAsNode, ...rest } = fuseOptions;
    await expect(
      validateConfiguration({ ...config, electronFuses: { ...rest, runAsnode: false } }, quiet),
    ).rejects.toThrow(/configuration\.electronFuses/);
  });
});
