// The one place image files are read: non-regular files (FIFOs, devices, sockets) and oversized files are
// refused before a byte is read, with a message naming the file, and a read stops when it is cancelled.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import { readBytes, readRegularFileSync } from '../../../electron/io/bytes.js';
import { LIMITS } from '../../../electron/io/errors.js';
import { inspectFile } from '../../../electron/io/inspect.js';
import { tempDir } from '../../helpers/temp.js';

/** What a promise rejected with, or fails the test when it resolved. */
async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

function syncError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an error');
}

describe('reading the bytes of an image file', () => {
  let t: ReturnType<typeof tempDir>;
  let server: Server | undefined;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(async () => {
    if (server) await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    t.cleanup();
  });

  it('refuses a FIFO at once instead of waiting for a writer that never comes', async () => {
    const fifo = join(t.dir, 'scan.dcm');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    // Five at once: a blocking open would take libuv's four threads and hang the fifth.
    const errors = await Promise.all([...Array(5)].map(() => rejection(readBytes(fifo))));
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const e of errors) {
      expect(e.code).toBe('UNSUPPORTED');
      expect(e.message).toBe(`${fifo}: is a named pipe (FIFO), not a regular file`);
    }
    expect(syncError(() => readRegularFileSync(fifo, 1024)).message).toBe(errors[0]!.message);
  });

  it('refuses a character device such as /dev/zero', async () => {
    const e = await rejection(readBytes('/dev/zero'));
    expect(e).toMatchObject({
      code: 'UNSUPPORTED',
      message: '/dev/zero: is a character device, not a regular file',
    });
    // `apprentice inspect /dev/zero` reads through the same function.
    expect((await rejection(inspectFile('/dev/zero'))).message).toBe(e.message);
  });

  it('refuses a unix socket and a directory', async () => {
    const sock = join(t.dir, 'image.png');
    server = createServer();
    await new Promise<void>((done) => server!.listen(sock, done));
    expect((await rejection(readBytes(sock))).message).toBe(`${sock}: is a socket, not a regular file`);
    const dir = join(t.dir, 'folder.nii');
    mkdirSync(dir);
    expect((await rejection(readBytes(dir))).message).toBe(`${dir}: is a folder, not a regular file`);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const big = join(t.dir, 'huge.dcm');
    // Sparse: the size is what the check sees, no disk is used.
    const fd = openSync(big, 'w');
    ftruncateSync(fd, LIMITS.maxFileBytes + 1);
    closeSync(fd);
    const e = await rejection(readBytes(big));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toBe(`${big}: file of 2147483648 bytes exceeds the limit of 2147483647 bytes`);
    expect(syncError(() => readRegularFileSync(big, 64)).code).toBe('TOO_LARGE');
  });

  it('stops reading when cancelled, before or during the read', async () => {
    const file = join(t.dir, 'big.raw');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 256 * 2 ** 20);
    closeSync(fd);
    const before = new AbortController();
    before.abort();
    expect((await rejection(readBytes(file, { signal: before.signal }))).code).toBe('CANCELLED');
    const during = new AbortController();
    const reading = readBytes(file, { signal: during.signal });
    during.abort();
    const e = await rejection(reading);
    expect(e).toMatchObject({ code: 'CANCELLED', message: `${file}: reading was cancelled` });
  });

  it('reads a regular file whole, and a gzip wrapper inflated', async () => {
    const file = join(t.dir, 'a.bin');
    writeFileSync(file, Buffer.from([1, 2, 3, 4]));
    expect([...(await readBytes(file))]).toEqual([1, 2, 3, 4]);
    expect([...readRegularFileSync(file, 16)]).toEqual([1, 2, 3, 4]);
    const { gzipSync } = await import('node:zlib');
    writeFileSync(file, gzipSync(Buffer.from([9, 8, 7])));
    expect([...(await readBytes(file))]).toEqual([9, 8, 7]);
  });
});
