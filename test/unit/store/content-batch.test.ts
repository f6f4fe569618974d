// ContentStore.putMany, the import's batched blob write: the same files and hashes as put(), identical
// blobs stored once, and a failing disk (full on write, EIO on fsync) leaves no blob and no temp file.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { ContentStore, sha256Hex } from '../../../electron/store/content-store.js';
import { patternMask, tempDir } from './helpers.js';

const fault = vi.hoisted(() => ({ write: null as string | null, fsync: null as string | null, writes: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const error = (code: string, syscall: string) =>
    Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall, errno: -28 });
  return {
    ...fs,
    writeSync: (...args: Parameters<typeof fs.writeSync>) => {
      // The third write of a batch fails after writing half, as a disk filling up does.
      if (fault.write !== null && ++fault.writes === 3) {
        const [fd, buf] = args as unknown as [number, Uint8Array];
        fs.writeSync(fd, buf, 0, Math.floor(buf.length / 2));
        throw error(fault.write, 'write');
      }
      return (fs.writeSync as (...a: unknown[]) => number)(...args);
    },
    fsync: (fd: number, cb: (err: Error | null) => void) =>
      fault.fsync !== null ? setImmediate(() => cb(error(fault.fsync!, 'fsync'))) : fs.fsync(fd, cb),
  };
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  fault.write = null;
  fault.fsync = null;
  fault.writes = 0;
  cleanups.splice(0).forEach((c) => c());
});
function store(): ContentStore {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return new ContentStore(t.dir);
}
function files(c: ContentStore): string[] {
  return readdirSync(c.root, { recursive: true, encoding: 'utf8' })
    .filter((f) => !/^[0-9a-f]{2}$/.test(f))
    .sort();
}
const blobs = (n: number) => Array.from({ length: n }, (_, k) => patternMask(1000 + k, k + 1));

describe('ContentStore.putMany', () => {
  it('stores each blob under its hash, readable and verified, as put() would', async () => {
    const c = store();
    const data = blobs(5);
    const hashes = await c.putMany(data);
    expect(hashes).toEqual(data.map(sha256Hex));
    hashes.forEach((h, k) => expect(c.get(h)).toEqual(data[k]));
    expect(files(c).length).toBe(5);
    expect(files(c).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('stores identical blobs once, and repairs a damaged copy already there', async () => {
    const c = store();
    const [a, b] = blobs(2);
    const [ha] = await c.putMany([a!]);
    writeFileSync(c.pathOf(ha!), 'damaged');
    const hashes = await c.putMany([a!, b!, a!]);
    expect(hashes[0]).toBe(hashes[2]);
    expect(files(c).length).toBe(2);
    expect(new Uint8Array(readFileSync(c.pathOf(ha!)))).toEqual(a);
  });

  it('a full disk mid-batch: an IO error, no blob of the batch half-written, no temp file left', async () => {
    const c = store();
    fault.write = 'ENOSPC';
    const err = await c.putMany(blobs(4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.IO_ERROR);
    expect(files(c)).toEqual([]);
  });

  it('EIO on fsync: refused, and nothing of the batch is left behind', async () => {
    const c = store();
    fault.fsync = 'EIO';
    await expect(c.putMany(blobs(3))).rejects.toBeInstanceOf(AppError);
    expect(files(c)).toEqual([]);
  });

  it('an empty batch is nothing to do', async () => {
    const c = store();
    expect(await c.putMany([])).toEqual([]);
  });
});
