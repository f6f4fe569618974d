import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { badFile, describe, LIMITS, tooLarge, unsupported } from './errors.js';

/** Inflates a gzip wrapper (`.nii.gz`, `.dcm.gz`) within the size limit; other bytes pass through. */
export function unwrapGzip(path: string, raw: Uint8Array): Uint8Array {
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: LIMITS.maxDecodedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooLarge(path, 'gzip content exceeds the size limit');
    throw badFile(path, `gzip data is corrupt (${describe(err)})`);
  }
}

/** What a file system entry is, in words, when it is not a regular file (undefined when it is one). */
export function notRegularFile(
  s: Pick<
    Stats,
    | 'isFile'
    | 'isDirectory'
    | 'isFIFO'
    | 'isSocket'
    | 'isCharacterDevice'
    | 'isBlockDevice'
    | 'isSymbolicLink'
  >,
): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

/**
 * Only regular files are read: a FIFO would block the reading thread until a writer comes (forever),
 * a device such as /dev/zero never ends, and a socket cannot be opened at all.
 */
function checkReadable(path: string, s: Stats, maxBytes: number): void {
  const kind = notRegularFile(s);
  if (kind) throw unsupported(path, `is ${kind}, not a regular file`, { fileType: kind });
  if (s.size > maxBytes)
    throw tooLarge(path, `file of ${s.size} bytes exceeds the limit of ${maxBytes} bytes`, {
      bytes: s.size,
      limit: maxBytes,
    });
}

/**
 * Opening never blocks: O_NONBLOCK makes a FIFO swapped in after the stat open at once (and then be
 * refused by the check on the open descriptor); on regular files the flag changes nothing.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** Reads go in steps this large so that a cancel is noticed within one step. */
const CHUNK_BYTES = 16 * 2 ** 20;

export interface ReadBytesOptions {
  /** Aborting it stops the read between chunks with AppError(CANCELLED). */
  signal?: AbortSignal;
  /** Refuse larger files before reading (default LIMITS.maxFileBytes). */
  maxBytes?: number;
}

function throwIfAborted(path: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AppError(ErrorCode.CANCELLED, `${path}: reading was cancelled`, { path });
}

/**
 * Reads a regular file whole: its type and size are checked before anything is read (and again on the
 * open descriptor, in case the path was swapped in between). Only the size the descriptor reported is
 * read, so a file that grows meanwhile cannot run past the limit.
 */
export async function readFileBytes(path: string, opts: ReadBytesOptions = {}): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? LIMITS.maxFileBytes;
  throwIfAborted(path, opts.signal);
  checkReadable(path, await stat(path), maxBytes);
  const handle = await open(path, OPEN_FLAGS);
  try {
    const info = await handle.stat();
    checkReadable(path, info, maxBytes);
    const out = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < info.size) {
      throwIfAborted(path, opts.signal);
      const { bytesRead } = await handle.read(out, filled, Math.min(CHUNK_BYTES, info.size - filled), filled);
      if (bytesRead === 0) break; // truncated meanwhile: the reader reports what is missing
      filled += bytesRead;
    }
    throwIfAborted(path, opts.signal);
    return filled === info.size ? out : out.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** The synchronous form for small side files (a manifest, a header re-read): same checks, no cancel. */
export function readRegularFileSync(path: string, maxBytes: number): Uint8Array {
  checkReadable(path, statSync(path), maxBytes);
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const info = fstatSync(fd);
    checkReadable(path, info, maxBytes);
    const out = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < info.size) {
      const n = readSync(fd, out, filled, info.size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return filled === info.size ? out : out.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** Reads a file's bytes (see readFileBytes), inflating a gzip wrapper. */
export async function readBytes(path: string, opts: ReadBytesOptions = {}): Promise<Uint8Array> {
  return unwrapGzip(path, await readFileBytes(path, opts));
}
