// The shared libraries the native kernel addon needs on Linux, and where an installer gets them: beside
// the addon (found through its `$ORIGIN` rpath, set in electron/engine/native/binding.gyp) or from the
// system (declared in the deb's `depends`). Used by the afterPack hook (build/scripts/after-pack.mjs) and by
// test/unit/build/native-libs.test.ts. Plain ESM JavaScript: electron-builder loads the hook without tsx.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Libraries every Linux desktop that runs Electron has (glibc, the GCC runtime that libstdc++-using
 * system libraries already need): installers do not carry them, since a bundled libc cannot work and a
 * bundled libstdc++ older than the system's would break the system libraries loaded after it. The deb
 * declares their packages (libc6, libstdc++6, libgcc-s1); an AppImage cannot declare anything.
 */
export const BASE_SYSTEM = new Set([
  'linux-vdso.so.1',
  'ld-linux-x86-64.so.2',
  'ld-linux-aarch64.so.1',
  'libc.so.6',
  'libm.so.6',
  'libdl.so.2',
  'libpthread.so.0',
  'librt.so.1',
  'libstdc++.so.6',
  'libgcc_s.so.1',
]);

/** The addon as node-gyp builds it, relative to the repository. */
export const BUILT_ADDON = join(
  'electron',
  'engine',
  'native',
  'build',
  'Release',
  'apprentice_kernels.node',
);
/** Where, relative to an installer's resources folder, electron-builder's asarUnpack puts the addon. */
export const PACKED_ADDON = join('app.asar.unpacked', BUILT_ADDON);

/**
 * Parses `ldd` output into one entry per library: `path` is null when the library was not found, and
 * `virtual` marks the kernel's vDSO (no file).
 * @param {string} text
 * @returns {{ soname: string, path: string | null, virtual: boolean }[]}
 */
export function parseLdd(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || /statically linked|not a dynamic executable/.test(line)) continue;
    let m = /^(\S+) => not found$/.exec(line);
    if (m) {
      out.push({ soname: m[1], path: null, virtual: false });
      continue;
    }
    m = /^(\S+) => (\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (m) {
      out.push({ soname: m[1], path: m[2], virtual: false });
      continue;
    }
    m = /^(\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (m) {
      // The dynamic loader is listed by its path, the vDSO by its name alone.
      const isPath = m[1].startsWith('/');
      out.push({ soname: basename(m[1]), path: isPath ? m[1] : null, virtual: !isPath });
      continue;
    }
    throw new Error(`ldd printed a line this check does not understand: "${line}"`);
  }
  return out;
}

/**
 * `ldd` on a file as a user's machine would resolve it: without LD_LIBRARY_PATH, so only the file's
 * rpath and the system's library paths count.
 * @param {string} file
 */
export function runLdd(file) {
  const env = { ...process.env };
  delete env.LD_LIBRARY_PATH;
  delete env.LD_PRELOAD;
  try {
    return parseLdd(
      execFileSync('ldd', [file], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
  } catch (err) {
    const e = /** @type {{ stderr?: string, message: string }} */ (err);
    throw new Error(`ldd ${file} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

/**
 * The Debian package that installed a library file (`dpkg -S`), or null where dpkg knows none. dpkg
 * records the path as packaged; on a merged-/usr system ldd may report /lib/... for a file packaged as
 * /usr/lib/... or the other way round, so each spelling is asked.
 * @param {string} file
 * @returns {string | null}
 */
export function debianPackageOf(file) {
  const real = realpathSync(file);
  const spellings = new Set([file, real]);
  for (const p of [file, real]) {
    if (p.startsWith('/usr/lib/')) spellings.add(p.slice('/usr'.length));
    else if (p.startsWith('/lib/')) spellings.add(`/usr${p}`);
  }
  for (const p of spellings) {
    try {
      const line = execFileSync('dpkg', ['-S', p], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      // "libdnnl2:amd64: /usr/lib/x86_64-linux-gnu/libdnnl.so.2.6" (diversions list several, comma-separated)
      const pkg = line.split('\n')[0].split(': ')[0].split(',')[0].trim().split(':')[0];
      if (pkg) return pkg;
    } catch {
      // not this spelling
    }
  }
  return null;
}

/**
 * The package names a deb `depends` list declares: version constraints dropped, each alternative of
 * "a | b" counted.
 * @param {unknown} depends
 * @returns {Set<string>}
 */
export function declaredPackages(depends) {
  if (depends == null) return new Set();
  if (!Array.isArray(depends) || depends.some((d) => typeof d !== 'string'))
    throw new Error('deb.depends must be a list of package names');
  return new Set(
    depends.flatMap((d) =>
      d.split('|').map(
        (alt) =>
          alt
            .replace(/\(.*\)/, '')
            .trim()
            .split(':')[0],
      ),
    ),
  );
}

/**
 * Whether ldd resolved a library to a file in `dir` (compared as given and, where both exist, with
 * symbolic links resolved: ldd spells an `$ORIGIN` path the way the addon's path was given).
 * @param {string} file
 * @param {string} dir
 */
function isInside(file, dir) {
  if (dirname(file) === dir) return true;
  return existsSync(file) && existsSync(dir) && dirname(realpathSync(file)) === realpathSync(dir);
}

/**
 * What an installer would lack: each library of `libs` (an ldd listing of the packed addon) that is
 * neither bundled (resolved inside `bundledDir`) nor provided otherwise. For a deb, `declared` is the
 * depends list and `packageOf` maps a library to its Debian package; for an AppImage, `declared` is
 * null and only BASE_SYSTEM may come from the system.
 * @param {{
 *   libs: { soname: string, path: string | null, virtual: boolean }[],
 *   bundledDir: string,
 *   declared: Set<string> | null,
 *   packageOf?: (file: string) => string | null,
 * }} o
 * @returns {string[]} one sentence per problem; empty when nothing is missing
 */
export function missingLibraries({ libs, bundledDir, declared, packageOf = debianPackageOf }) {
  const problems = [];
  for (const lib of libs) {
    if (lib.virtual) continue;
    if (lib.path == null) {
      problems.push(`${lib.soname} is not found (neither beside the addon nor on this system)`);
      continue;
    }
    if (isInside(lib.path, bundledDir)) continue;
    if (declared == null) {
      if (!BASE_SYSTEM.has(lib.soname))
        problems.push(
          `${lib.soname} comes from ${lib.path}, is not bundled, and an AppImage cannot declare it`,
        );
      continue;
    }
    const pkg = packageOf(lib.path);
    if (pkg == null) problems.push(`${lib.soname} comes from ${lib.path}, which no Debian package installed`);
    else if (!declared.has(pkg))
      problems.push(
        `${lib.soname} (${lib.path}, Debian package ${pkg}) is neither bundled nor in deb.depends`,
      );
  }
  return problems;
}

/**
 * Copies every library the addon needs, other than BASE_SYSTEM, beside it (named by its soname, which
 * the loader looks for), then checks with ldd that each now resolves to the copy: that proves the
 * addon's `$ORIGIN` rpath, and covers libraries only its libraries need (libdnnl's libOpenCL), which
 * the addon's DT_RPATH also serves.
 * @param {string} addon the .node file in its packed place
 * @returns {string[]} the sonames now beside the addon
 */
export function bundleNativeLibs(addon) {
  if (!existsSync(addon)) throw new Error(`${addon}: the native addon is not there`);
  const dir = dirname(addon);
  const bundled = [];
  for (const lib of runLdd(addon)) {
    if (lib.virtual || BASE_SYSTEM.has(lib.soname)) continue;
    if (lib.path == null) throw new Error(`${addon}: it needs ${lib.soname}, which this build machine lacks`);
    if (!isInside(lib.path, dir)) copyFileSync(realpathSync(lib.path), join(dir, lib.soname));
    bundled.push(lib.soname);
  }
  const problems = missingLibraries({ libs: runLdd(addon), bundledDir: dir, declared: null });
  if (problems.length > 0)
    throw new Error(
      `${addon}: the libraries copied beside it are not the ones it loads (was it linked with ` +
        `-Wl,-rpath,'$ORIGIN'? rebuild with npm run build:native): ${problems.join('; ')}`,
    );
  return bundled;
}
