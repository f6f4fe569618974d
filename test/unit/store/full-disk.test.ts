import { afterEach, describe, expect, it, vi } from 'vitest';
import { readdirSync } from 'node:fs';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { ProjectStore } from '../../../electron/store/project-store.js';
import { APP_VERSION, patternMask, projectWithImage, tempDir } from './helpers.js';

// Fault injection: the store's own fs calls fail like a full disk or a dying drive when asked to.
const fault = vi.hoisted(() => ({ write: null as string | null, fsync: null as string | null }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fail = (code: string, syscall: string): never => {
    throw Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall, errno: -28 });
  };
  return {
    ...fs,
    writeSync: (...args: Parameters<typeof fs.writeSync>) => {
      if (fault.write !== null) {
        // Write part of the data first, as a real full disk does, then fail.
        const [fd, buf] = args as unknown as [number, unknown];
        if (buf instanceof Uint8Array && buf.length > 1) fs.writeSync(fd, buf, 0, Math.floor(buf.length / 2));
        fail(fault.write, 'write');
      }
      return (fs.writeSync as (...a: unknown[]) => number)(...args);
    },
    fsyncSync: (fd: number) => (fault.fsync !== null ? fail(fault.fsync, 'fsync') : fs.fsyncSync(fd)),
  };
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  fault.write = null;
  fault.fsync = null;
  cleanups.splice(0).forEach((c) => c());
});
function temp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}

function contentFiles(store: ProjectStore): string[] {
  return readdirSync(store.content.root, { recursive: true, encoding: 'utf8' }).filter(
    (f) => !/^[0-9a-f]{2}$/.test(f),
  );
}

const R = 40;
const C = 40;
const N = R * C;

describe('a failing disk never costs the last saved edit', () => {
  it('the mask blob write fails (ENOSPC, EIO on fsync): refused, nothing half-written, previous state kept', () => {
    const dir = temp();
    const { store, image } = projectWithImage(dir, R, C);
    store.edits.append(image.id, 'corrected', patternMask(N, 1), { tool: 'brush' });
    const before = contentFiles(store).sort();

    fault.write = 'ENOSPC';
    const e = appError(() => store.edits.append(image.id, 'corrected', patternMask(N, 2), { tool: 'brush' }));
    expect(e.code).toBe(ErrorCode.IO_ERROR);
    expect(e.message).toContain('disk is full');
    fault.write = null;
    fault.fsync = 'EIO';
    expect(() => store.edits.append(image.id, 'corrected', patternMask(N, 3), { tool: 'brush' })).toThrow(
      AppError,
    );
    fault.fsync = null;

    expect(contentFiles(store).sort()).toEqual(before); // temp files removed, no torn blob
    expect(store.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 1));
    expect(store.edits.history(image.id, 'corrected')).toHaveLength(1);
    // Space is back: saving works again.
    store.edits.append(image.id, 'corrected', patternMask(N, 4), { tool: 'brush' });
    store.close();
    const s = ProjectStore.open(dir, { appVersion: APP_VERSION });
    expect(s.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 4));
    expect(s.edits.history(image.id, 'corrected').map((x) => x.op)).toEqual(['edit', 'edit']);
    s.close();
  });

  it('the database cannot grow (SQLITE_FULL): refused, previous state kept, the orphan blob is swept', () => {
    const dir = temp();
    const { store, image } = projectWithImage(dir, R, C);
    store.edits.append(image.id, 'corrected', patternMask(N, 1), { tool: 'brush' });
    const pages = store.db.raw.pragma('page_count', { simple: true }) as number;
    store.db.raw.pragma(`max_page_count = ${pages}`);
    // A big op params JSON makes the row overflow onto new pages the database may not allocate.
    const big = { points: Array.from({ length: 5000 }, (_, i) => [i, i]) };
    const e = appError(() =>
      store.edits.append(image.id, 'corrected', patternMask(N, 2), { tool: 'brush', params: big }),
    );
    expect(e.code).toBe(ErrorCode.IO_ERROR);
    expect(e.message).toContain('disk is full');
    expect(store.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 1));
    store.close();

    const s = ProjectStore.open(dir, { appVersion: APP_VERSION });
    expect(s.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 1));
    expect(s.edits.history(image.id, 'corrected')).toHaveLength(1);
    // The blob of the refused edit was written before the commit failed: an orphan, and gc removes it.
    expect(s.gc({ minAgeMs: -1000 }).removed).toBe(1);
    expect(s.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 1));
    s.close();
  });
});
