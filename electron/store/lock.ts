import { spawnSync } from 'node:child_process';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import { fsyncDir } from '../util/atomic-write.js';

export const LOCK_FILE = 'project.lock';

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  since: string;
  /** When the owner process started (see processStartTime); absent in locks of older versions. */
  started?: string;
}

/**
 * One process owns a project at a time. SQLite's own locking cannot say so (WAL allows many
 * connections, and locking_mode=EXCLUSIVE would also shut out our own readers), so a lock file holds
 * the owner's pid, host and process start time. A lock whose pid is dead on this host is stale (a crash
 * or kill -9) and is taken over, and so is one whose pid is alive but was started at another time (the
 * system gave the dead owner's pid to a new process); a lock from another host is honoured (a shared
 * folder), and the message says whose it is.
 */
export class ProjectLock {
  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  static acquire(dir: string): ProjectLock {
    const path = join(dir, LOCK_FILE);
    const mine: LockInfo = {
      pid: process.pid,
      host: hostname(),
      token: randomBytes(8).toString('hex'),
      since: new Date().toISOString(),
    };
    const started = processStartTime(process.pid);
    if (started !== undefined) mine.started = started;
    const text = JSON.stringify(mine);
    for (let attempt = 0; attempt < 3; attempt++) {
      // The lock is published whole (written to a temp file, then hard-linked into place, which fails
      // if a lock exists), so a reader never sees a half-written lock of a live owner.
      const tmp = `${path}.${process.pid}.${mine.token}.tmp`;
      try {
        writeWhole(tmp, text);
        if (publish(tmp, path)) return new ProjectLock(path, mine.token);
        const held = readLock(path);
        if (held !== undefined && isAlive(held)) {
          const self = held.pid === process.pid && held.host === mine.host;
          const where = held.host === mine.host ? '' : ` on ${held.host}`;
          throw new AppError(
            ErrorCode.FAILED_PRECONDITION,
            self
              ? `The project is already open in this Apprentice (pid ${held.pid})`
              : `The project is open in another Apprentice (pid ${held.pid}${where}): close it there first`,
            { path, pid: held.pid, host: held.host },
          );
        }
        // Stale (its owner died) or torn: take it over, then read back — if two processes raced, the later
        // rename wins. (Two openers racing for the same stale lock within a millisecond could both pass;
        // accepted: it needs two people opening one crashed project at the same instant.)
        renameSync(tmp, path);
        fsyncDir(dir);
        if (readLock(path)?.token === mine.token) return new ProjectLock(path, mine.token);
      } catch (err) {
        throw toAppError(err);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    throw new AppError(
      ErrorCode.FAILED_PRECONDITION,
      `Could not lock the project (${path}): another program keeps taking it`,
      {
        path,
      },
    );
  }

  /** Removes the lock if it is still ours (never another process's). */
  release(): void {
    if (readLock(this.path)?.token === this.token) rmSync(this.path, { force: true });
  }
}

function writeWhole(path: string, text: string): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Places `tmp` at `path` unless something is there; false if a lock exists. */
function publish(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
  }
  // A file system without hard links (FAT, some network shares): exclusive create instead.
  try {
    const fd = openSync(path, 'wx', 0o644);
    try {
      writeSync(fd, readFileSync(tmp));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
      const lock: LockInfo = { pid: v.pid, host: v.host, token: v.token, since: String(v.since) };
      if (typeof v.started === 'string') lock.started = v.started;
      return lock;
    }
  } catch {
    /* missing, empty or torn: treated as stale */
  }
  return undefined;
}

function isAlive(lock: LockInfo): boolean {
  if (lock.host !== hostname()) return true; // cannot check a pid on another machine: assume it is open there
  try {
    process.kill(lock.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: alive but someone else's
  }
  // The pid is taken; it is the owner only if that process started when the owner did. Where either
  // start time is unknown (a lock of an older version, a platform without one) the pid decides.
  if (lock.started === undefined) return true;
  const now = processStartTime(lock.pid);
  return now === undefined || now === lock.started;
}

/**
 * When a process started, as an opaque string that differs between two processes given the same pid.
 * Linux: field 22 of /proc/<pid>/stat (clock ticks since boot). macOS: `ps -o lstart=` (to the second;
 * there is no /proc, and a pid reused within the same second is not told apart). Windows and others:
 * unknown (undefined), so the pid alone decides there, as before: a stale lock whose pid was reused is
 * then cleared by hand (the README says how).
 */
export function processStartTime(pid: number): string | undefined {
  if (process.platform === 'linux') {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19]; // field 22 of the whole line: fields 3.. start at index 0 here
    return ticks !== undefined && /^\d+$/.test(ticks) ? `linux:${ticks}` : undefined;
  }
  if (process.platform === 'darwin') {
    const r = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
    const when = r.status === 0 ? r.stdout.trim() : '';
    return when ? `darwin:${when}` : undefined;
  }
  return undefined;
}
