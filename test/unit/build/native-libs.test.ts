// The Linux installers keep the native CPU addon loadable: every library it needs is either bundled beside
// it (the afterPack hook copies them, its $ORIGIN rpath finds them) or declared in the deb's depends.
// The hook runs here on a temporary copy of the packed layout (resources/app.asar.unpacked/...), and ldd
// on the packed addon must find nothing that is neither bundled nor declared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';
import {
  BASE_SYSTEM,
  BUILT_ADDON,
  PACKED_ADDON,
  bundleNativeLibs,
  declaredPackages,
  missingLibraries,
  parseLdd,
  runLdd,
} from '../../../build/scripts/native-libs.mjs';
import { afterPack } from '../../../build/scripts/after-pack.mjs';

type BuilderConfig = { deb: { depends: string[] }; afterPack?: string };

const BUILT = join(REPO_ROOT, BUILT_ADDON);
const config = (): BuilderConfig =>
  parse(readFileSync(join(REPO_ROOT, 'build', 'electron-builder.yml'), 'utf8')) as BuilderConfig;

/** ldd's listing of an addon whose libraries all come from the system (a build without bundling). */
const SYSTEM_LISTING = `	linux-vdso.so.1 (0x00007ffd5b9e4000)
	libdnnl.so.2 => /lib/x86_64-linux-gnu/libdnnl.so.2 (0x00007fd528600000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007fd528200000)
	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007fd52ac1c000)
	libgomp.so.1 => /lib/x86_64-linux-gnu/libgomp.so.1 (0x00007fd5285b8000)
	libgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007fd52abfc000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fd52801e000)
	libOpenCL.so.1 => /lib/x86_64-linux-gnu/libOpenCL.so.1 (0x00007fd52abe8000)
	/lib64/ld-linux-x86-64.so.2 (0x00007fd52ad4b000)
`;
/** Debian bookworm's packages for those files. */
const PACKAGES: Record<string, string> = {
  'libdnnl.so.2': 'libdnnl2',
  'libstdc++.so.6': 'libstdc++6',
  'libm.so.6': 'libc6',
  'libgomp.so.1': 'libgomp1',
  'libgcc_s.so.1': 'libgcc-s1',
  'libc.so.6': 'libc6',
  'libOpenCL.so.1': 'ocl-icd-libopencl1',
  'ld-linux-x86-64.so.2': 'libc6',
};
const fakePackageOf = (file: string) => PACKAGES[file.split('/').pop()!] ?? null;

describe('the library check', () => {
  it('reads an ldd listing, the vDSO and the loader included', () => {
    const libs = parseLdd(SYSTEM_LISTING + '\tlibfoo.so.1 => not found\n');
    expect(libs).toHaveLength(10);
    expect(libs[0]).toEqual({ soname: 'linux-vdso.so.1', path: null, virtual: true });
    expect(libs[1]).toEqual({
      soname: 'libdnnl.so.2',
      path: '/lib/x86_64-linux-gnu/libdnnl.so.2',
      virtual: false,
    });
    expect(libs[8]).toEqual({
      soname: 'ld-linux-x86-64.so.2',
      path: '/lib64/ld-linux-x86-64.so.2',
      virtual: false,
    });
    expect(libs[9]).toEqual({ soname: 'libfoo.so.1', path: null, virtual: false });
    expect(() => parseLdd('\tsomething odd\n')).toThrow(/does not understand: "something odd"/);
  });

  it('reports, for the deb, each library from the system whose package is not declared', () => {
    const problems = missingLibraries({
      libs: parseLdd(SYSTEM_LISTING),
      bundledDir: '/opt/Apprentice/resources/app.asar.unpacked/electron/engine/native/build/Release',
      declared: declaredPackages(['libc6', 'libstdc++6 (>= 12)', 'libgcc-s1 | libgcc1', 'libgomp1']),
      packageOf: fakePackageOf,
    });
    expect(problems).toEqual([
      'libdnnl.so.2 (/lib/x86_64-linux-gnu/libdnnl.so.2, Debian package libdnnl2) is neither bundled nor in deb.depends',
      'libOpenCL.so.1 (/lib/x86_64-linux-gnu/libOpenCL.so.1, Debian package ocl-icd-libopencl1) is neither bundled nor in deb.depends',
    ]);
  });

  it('reports, for the AppImage, each library from the system beyond the base system', () => {
    const problems = missingLibraries({ libs: parseLdd(SYSTEM_LISTING), bundledDir: '/x', declared: null });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['libdnnl.so.2', 'libgomp.so.1', 'libOpenCL.so.1']);
  });

  it('accepts libraries resolved beside the addon, and reports one not found anywhere', () => {
    const dir = '/opt/Apprentice/resources/app.asar.unpacked/electron/engine/native/build/Release';
    const listing = SYSTEM_LISTING.replace(
      /\/lib\/x86_64-linux-gnu\/(libdnnl|libgomp|libOpenCL)/g,
      `${dir}/$1`,
    );
    const declared = declaredPackages(config().deb.depends);
    expect(
      missingLibraries({ libs: parseLdd(listing), bundledDir: dir, declared, packageOf: fakePackageOf }),
    ).toEqual([]);
    expect(missingLibraries({ libs: parseLdd(listing), bundledDir: dir, declared: null })).toEqual([]);
    const lost = parseLdd(
      listing.replace(/libgomp\.so\.1 => \S+ \(0x[0-9a-f]+\)/, 'libgomp.so.1 => not found'),
    );
    expect(missingLibraries({ libs: lost, bundledDir: dir, declared: null })).toEqual([
      'libgomp.so.1 is not found (neither beside the addon nor on this system)',
    ]);
  });

  it('reads deb.depends and refuses a malformed one', () => {
    expect([...declaredPackages(['libc6 (>= 2.31)', 'libgcc-s1 | libgcc1', 'libfoo:amd64'])]).toEqual([
      'libc6',
      'libgcc-s1',
      'libgcc1',
      'libfoo',
    ]);
    expect(() => declaredPackages('libc6')).toThrow(/deb\.depends must be a list/);
  });

  it('the builder configuration declares the base system the installers do not carry, and runs the hook', () => {
    const declared = declaredPackages(config().deb.depends);
    for (const soname of BASE_SYSTEM) {
      const pkg = fakePackageOf(`/lib/${soname}`);
      if (pkg) expect(declared, soname).toContain(pkg);
    }
    expect(config().afterPack).toBe('./build/scripts/after-pack.mjs');
    expect(existsSync(join(REPO_ROOT, config().afterPack!))).toBe(true);
  });
});

// The rest needs the addon built (npm run build:native, with libdnnl-dev) and a Debian system to map
// libraries to packages; without either it cannot say anything about a real installer.
const canPack = process.platform === 'linux' && existsSync(BUILT) && existsSync('/usr/bin/dpkg');

describe.skipIf(!canPack)('the addon as the Linux installers pack it', () => {
  const t = tempDir('apprentice-native-libs-');
  const packed = join(t.dir, 'linux-unpacked', 'resources', PACKED_ADDON);
  const context = (cfg: BuilderConfig, targets = ['AppImage', 'deb']) => ({
    appOutDir: join(t.dir, 'linux-unpacked'),
    electronPlatformName: 'linux',
    targets: targets.map((name) => ({ name })),
    packager: { config: cfg },
  });
  let bundled: string[] = [];

  beforeAll(async () => {
    mkdirSync(dirname(packed), { recursive: true });
    copyFileSync(BUILT, packed);
    bundled = await afterPack(context(config()));
  });
  afterAll(() => t.cleanup());

  it('bundles oneDNN and the other non-base libraries beside the addon', () => {
    expect(bundled).toContain('libdnnl.so.2');
    for (const soname of bundled) {
      expect(BASE_SYSTEM.has(soname), soname).toBe(false);
      expect(existsSync(join(dirname(packed), soname)), soname).toBe(true);
    }
  });

  it('ldd on the packed addon finds every library bundled or declared in deb.depends', () => {
    const libs = runLdd(packed);
    expect(libs.find((l) => l.soname === 'libdnnl.so.2')?.path).toBe(join(dirname(packed), 'libdnnl.so.2'));
    const declared = declaredPackages(config().deb.depends);
    expect(missingLibraries({ libs, bundledDir: dirname(packed), declared })).toEqual([]);
    expect(missingLibraries({ libs, bundledDir: dirname(packed), declared: null })).toEqual([]);
  });

  it('reports a library once the deb no longer declares it', async () => {
    const cfg = config();
    cfg.deb.depends = cfg.deb.depends.filter((d) => d !== 'libstdc++6');
    const problems = missingLibraries({
      libs: runLdd(packed),
      bundledDir: dirname(packed),
      declared: declaredPackages(cfg.deb.depends),
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^libstdc\+\+\.so\.6 \(.*, Debian package libstdc\+\+6\) is neither bundled nor/,
    );
    // The hook refuses to make a deb from it; an AppImage alone does not declare anything.
    await expect(afterPack(context(cfg))).rejects.toThrow(/deb\.depends misses .*libstdc\+\+\.so\.6/);
    await expect(afterPack(context(cfg, ['AppImage']))).resolves.toContain('libdnnl.so.2');
  });

  it('loads, in a process, oneDNN and its own dependencies from beside the addon', () => {
    const maps = execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(packed)});` +
          `process.stdout.write(require('fs').readFileSync('/proc/self/maps', 'utf8'))`,
      ],
      { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: '' } },
    );
    const mapped = (soname: string) =>
      new Set(
        maps
          .split('\n')
          .map((l) => l.split(/\s+/).pop()!)
          .filter((p) => p.endsWith(`/${soname}`) || p.includes(`/${soname}.`)),
      );
    for (const soname of bundled)
      expect([...mapped(soname)], soname).toEqual([join(dirname(packed), soname)]);
  });

  it('fails to bundle for an addon linked without the $ORIGIN rpath', () => {
    // Same binary with its rpath string pointed elsewhere (same length): the loader then takes the
    // system's libraries, which an installed app on a machine without oneDNN would not find.
    const bytes = readFileSync(BUILT);
    const at = bytes.indexOf(Buffer.from('$ORIGIN\0'));
    expect(at, 'the built addon carries the $ORIGIN rpath (rebuild: npm run build:native)').toBeGreaterThan(
      0,
    );
    bytes.write('/nowher', at, 'latin1');
    const other = join(t.dir, 'no-rpath', 'apprentice_kernels.node');
    mkdirSync(dirname(other), { recursive: true });
    writeFileSync(other, bytes);
    expect(() => bundleNativeLibs(other)).toThrow(
      /not the ones it loads \(was it linked with -Wl,-rpath,'\$ORIGIN'/,
    );
  });
});
