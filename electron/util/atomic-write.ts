import {
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../../shared/errors.js';

/** Suffix of every temp file this module writes; `ContentStore.gc` sweeps leftovers by it. */
export const TEMP_SUFFIX = '.tmp';

/** A temp file's name beside `path`, unique to this process and call, ending in TEMP_SUFFIX. */
export function tempPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`,
  );
}

/**
 * Writes a file so that a crash, kill -9 or full disk leaves either the old content or the new, never a
 * torn file: write a temp file beside the target, fsync it, rename over the target, fsync the folder.
 * When this returns, the new content survives a power cut too.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = tempPathFor(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/** fsyncs an existing file (e.g. one a crashed run wrote but may not have flushed) and its folder. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dirname(path));
}

/**
 * Creates `dir` and its missing parents (mkdir -p) and returns the first folder it created (undefined
 * when `dir` was there). Unlike Node's recursive mkdir this always ends: where mkdir answers ENOENT under
 * a folder that exists (/proc, some FUSE file systems) Node retries forever at 100 % CPU; here each
 * missing folder is tried once, from the deepest existing ancestor down, and a refusal is an error
 * naming the folder.
 */
export function makeDirs(dir: string): string | undefined {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = dirname(d)) {
    let isDir: boolean;
    try {
      isDir = statSync(d).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(d) !== d) {
        missing.push(d);
        continue;
      }
      throw cannotCreate(target, d, err);
    }
    if (!isDir)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `The folder ${target} cannot be created: ${d} is a file, not a folder`,
        { path: target },
      );
    break;
  }
  missing.reverse();
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      // Made meanwhile by another process: fine, as long as it is a folder.
      if (
        (err as NodeJS.ErrnoException).code === 'EEXIST' &&
        statSync(d, { throwIfNoEntry: false })?.isDirectory()
      )
        continue;
      throw cannotCreate(target, d, err);
    }
  }
  return missing[0];
}

function cannotCreate(target: string, at: string, err: unknown): AppError {
  const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
  const parent = dirname(at);
  const why: Record<string, string> = {
    ENOENT: `${parent} does not accept new folders`,
    EACCES: `no permission to create ${at}`,
    EPERM: `no permission to create ${at}`,
    EROFS: `${parent} is on a read-only file system`,
    ENOSPC: 'the disk is full',
    ENOTDIR: `${parent} is not a folder`,
    ENAMETOOLONG: 'the path is too long',
  };
  return new AppError(
    ErrorCode.IO_ERROR,
    `The folder ${target} cannot be created: ${why[code] ?? `${at}: ${code}`}`,
    { path: target, errno: code },
    { cause: err },
  );
}

/** Creates `dir` (and missing parents) and makes each new entry durable in its parent folder. */
export function mkdirDurable(dir: string): void {
  const first = makeDirs(dir);
  if (first === undefined) return; // already there
  // Every folder from `first` down to `dir` is new: fsync each one's parent.
  let d = resolve(dir);
  for (;;) {
    fsyncDir(dirname(d));
    if (d === first) break;
    d = dirname(d);
  }
}

export function fsyncDir(dir: string): void {
  // Makes a rename or create durable. Not possible on Windows (EISDIR/EPERM): the rename is still atomic there.
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* platform without directory fsync */
  } finally {
    closeSync(fd);
  }
}

/** fsync of an open file, off the main thread (the batched import writes many files at once). */
export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((done, fail) => fsync(fd, (err) => (err ? fail(err) : done())));
}

/** A folder's fsync, making the renames in it durable; skipped where folders cannot be fsynced (Windows). */
export async function fsyncDirAsync(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    await fsyncAsync(fd);
  } catch {
    /* platform without directory fsync */
  } finally {
    closeSync(fd);
  }
}
