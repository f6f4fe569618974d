import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Suffix of every temp file this module writes; `ContentStore.gc` sweeps leftovers by it. */
export const TEMP_SUFFIX = '.tmp';

/**
 * Writes a file so that a crash, kill -9 or full disk leaves either the old content or the new, never a
 * torn file: write a temp file beside the target, fsync it, rename over the target, fsync the folder.
 * When this returns, the new content survives a power cut too.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
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

/** Creates `dir` (and missing parents) and makes each new entry durable in its parent folder. */
export function mkdirDurable(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return; // already there
  // Every folder from `first` down to `dir` is new: fsync each one's parent.
  let d = dir;
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
