import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import {
  TEMP_SUFFIX,
  fsyncAsync,
  fsyncDirAsync,
  fsyncFile,
  mkdirDurable,
  tempPathFor,
  writeFileAtomic,
} from '../util/atomic-write.js';

export const CONTENT_DIR = 'content';
const HASH_RE = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isContentHash(v: unknown): v is string {
  return typeof v === 'string' && HASH_RE.test(v);
}

export interface GcResult {
  scanned: number;
  removed: number;
  bytesFreed: number;
}

/**
 * Immutable blobs under `<project>/content/ab/abcdef...`, named by the SHA-256 of their bytes. A blob
 * is durable (file and folder fsynced) when `put` returns, so a database row may then point at it.
 * A blob whose row never committed (a crash in between) is an orphan: harmless, removed by `gc`.
 */
export class ContentStore {
  readonly root: string;

  constructor(projectDir: string) {
    this.root = join(projectDir, CONTENT_DIR);
  }

  pathOf(hash: string): string {
    if (!isContentHash(hash))
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `Not a content hash: ${String(hash)}`);
    return join(this.root, hash.slice(0, 2), hash);
  }

  /** Stores `bytes` (once: identical content is shared) and returns their hash. */
  put(bytes: Uint8Array): string {
    const hash = sha256Hex(bytes);
    const path = this.pathOf(hash);
    try {
      if (this.intact(path, hash)) {
        // Already there, maybe written by a run that died before its fsync: make sure it is on disk.
        fsyncFile(path);
      } else {
        // New, or a damaged copy (replaced: the rename is atomic, readers see old or new).
        mkdirDurable(join(this.root, hash.slice(0, 2)));
        writeFileAtomic(path, bytes);
      }
    } catch (err) {
      throw toAppError(err);
    }
    return hash;
  }

  /**
   * Stores many blobs at once, durable when it resolves, as `put` is for one but at a fraction of the
   * cost: every file is written to a temp name first, then all are fsynced concurrently (the file system
   * commits them together rather than one journal commit each), renamed into place, and each folder
   * fsynced once. An import stores its slices this way, one batch per transaction.
   */
  async putMany(blobs: readonly Uint8Array[]): Promise<string[]> {
    const hashes = blobs.map(sha256Hex);
    const written: { tmp: string; path: string; fd: number }[] = [];
    const dirs = new Set<string>();
    const seen = new Set<string>();
    try {
      for (let i = 0; i < blobs.length; i++) {
        const hash = hashes[i]!;
        if (seen.has(hash)) continue; // the same pixels twice in one batch: one file
        seen.add(hash);
        const path = this.pathOf(hash);
        if (this.intact(path, hash)) {
          fsyncFile(path);
          continue;
        }
        const dir = join(this.root, hash.slice(0, 2));
        if (!dirs.has(dir)) mkdirDurable(dir);
        dirs.add(dir);
        const w = { tmp: tempPathFor(path), path, fd: -1 };
        written.push(w);
        w.fd = openSync(w.tmp, 'w', 0o644);
        const bytes = blobs[i]!;
        let off = 0;
        while (off < bytes.length) off += writeSync(w.fd, bytes, off, bytes.length - off);
      }
      await Promise.all(written.map((w) => fsyncAsync(w.fd)));
      for (const w of written) {
        closeSync(w.fd);
        w.fd = -1;
        renameSync(w.tmp, w.path);
        w.tmp = '';
      }
      await Promise.all([...dirs].map(fsyncDirAsync));
    } catch (err) {
      for (const w of written) {
        if (w.fd >= 0) closeSync(w.fd);
        if (w.tmp) rmSync(w.tmp, { force: true });
      }
      throw toAppError(err);
    }
    return hashes;
  }

  private intact(path: string, hash: string): boolean {
    try {
      return sha256Hex(readFileSync(path)) === hash;
    } catch {
      return false;
    }
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  /** Reads a blob and checks it against its hash: a damaged file is reported, never returned. */
  get(hash: string): Uint8Array {
    const path = this.pathOf(hash);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      const e = toAppError(err);
      if (e.code === ErrorCode.NOT_FOUND)
        throw new AppError(
          ErrorCode.NOT_FOUND,
          `Content file missing from the project: ${path}`,
          { path },
          { cause: err },
        );
      throw e;
    }
    if (sha256Hex(bytes) !== hash)
      throw new AppError(ErrorCode.BAD_FILE, `Content file is damaged (hash mismatch): ${path}`, { path });
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Every blob hash on disk. */
  *list(): Generator<string> {
    for (const name of safeReaddir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(name)) continue;
      for (const f of safeReaddir(join(this.root, name))) if (isContentHash(f) && f.startsWith(name)) yield f;
    }
  }

  /**
   * Removes blobs not in `live` and leftover temp files, if older than `minAgeMs` (a blob written just
   * now may belong to a row about to commit).
   */
  gc(live: ReadonlySet<string>, minAgeMs: number): GcResult {
    const res: GcResult = { scanned: 0, removed: 0, bytesFreed: 0 };
    const cutoff = Date.now() - minAgeMs;
    for (const sub of safeReaddir(this.root)) {
      const subDir = join(this.root, sub);
      for (const f of safeReaddir(subDir)) {
        const isBlob = isContentHash(f);
        const isTemp = f.endsWith(TEMP_SUFFIX);
        if (!isBlob && !isTemp) continue;
        if (isBlob) res.scanned++;
        if (isBlob && live.has(f)) continue;
        const path = join(subDir, f);
        try {
          const st = statSync(path);
          if (st.mtimeMs > cutoff) continue;
          rmSync(path, { force: true });
          res.removed++;
          res.bytesFreed += st.size;
        } catch {
          /* vanished meanwhile */
        }
      }
    }
    return res;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
