import Database from 'better-sqlite3';
import { closeSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import { fsyncDir, fsyncFile, mkdirDurable } from '../util/atomic-write.js';
import { CONTENT_DIR, ContentStore, type GcResult } from './content-store.js';
import { Datasets } from './datasets.js';
import { Edits } from './edits.js';
import { Exports, Students } from './exports.js';
import { ImagePages } from './image-pages.js';
import { Images } from './images.js';
import { Jobs } from './jobs.js';
import { LOCK_FILE, ProjectLock } from './lock.js';
import { Masks } from './masks.js';
import { Metrics } from './metrics.js';
import { Reviews } from './review.js';
import { Evaluations, TransferRuns } from './results.js';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from './schema/migrations.js';
import { Db, checkText, nowIso, sqliteError } from './sqlite.js';
import { Teachers } from './teachers.js';

export const PROJECT_DB_FILE = 'project.sqlite';
/** Copies of project.sqlite taken before each schema migration. */
export const BACKUP_DIR = 'backups';
const CREATING_FILE = '.project.sqlite.creating';
/** Files that do not make a folder "not empty" for create(): OS litter, and the leftovers of a create that crashed. */
const IGNORABLE = new Set([
  '.DS_Store',
  'Thumbs.db',
  'desktop.ini',
  LOCK_FILE,
  CREATING_FILE,
  `${CREATING_FILE}-journal`,
]);
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface ProjectCounts {
  datasets: number;
  images: number;
  teachers: number;
  masks: number;
  /** Human edits ('edit' rows, all branches; undo/redo not counted). */
  edits: number;
  reviewed: number;
  jobs: number;
  students: number;
  exports: number;
}

export interface ProjectInfo {
  id: string;
  name: string;
  dir: string;
  createdAt: string;
  schemaVersion: number;
  createdWithAppVersion: string;
  lastOpenedWithAppVersion: string;
  counts: ProjectCounts;
}

/** What open() had to do: a migration (with its backup) and jobs found running after a crash. */
export interface OpenReport {
  migratedFrom: number | null;
  backupPath: string | null;
  interruptedJobs: number;
}

/**
 * A project on disk: `project.sqlite` (WAL, synchronous=FULL) for records, `content/` for blobs, a lock
 * file while open. Repositories hang off the instance: `store.images.add(...)`, `store.edits.append(...)`.
 * Every method is synchronous (better-sqlite3): callers in the main process keep calls short, long jobs
 * batch their writes.
 */
export class ProjectStore {
  readonly dir: string;
  readonly content: ContentStore;
  readonly datasets: Datasets;
  readonly images: Images;
  /** The image list in pages, filtered and searched in SQL (the Data grid, the review queue). */
  readonly imagePages: ImagePages;
  readonly teachers: Teachers;
  readonly masks: Masks;
  readonly edits: Edits;
  readonly review: Reviews;
  readonly jobs: Jobs;
  readonly metrics: Metrics;
  readonly students: Students;
  readonly exports: Exports;
  readonly evaluations: Evaluations;
  readonly transferRuns: TransferRuns;
  readonly opened: OpenReport;
  /** The connection, for tests and maintenance; application code uses the repositories. */
  readonly db: Db;
  private readonly lock: ProjectLock;

  private constructor(dir: string, db: Db, lock: ProjectLock, opened: OpenReport) {
    this.dir = dir;
    this.db = db;
    this.lock = lock;
    this.opened = opened;
    this.content = new ContentStore(dir);
    this.datasets = new Datasets(db);
    this.images = new Images(db, this.content);
    this.imagePages = new ImagePages(db);
    this.teachers = new Teachers(db);
    this.masks = new Masks(db, this.content, this.images);
    this.edits = new Edits(db, this.content, this.images);
    this.review = new Reviews(db, this.images);
    this.jobs = new Jobs(db);
    this.metrics = new Metrics(db);
    this.students = new Students(db);
    this.exports = new Exports(db);
    this.evaluations = new Evaluations(db);
    this.transferRuns = new TransferRuns(db);
  }

  /** Creates a new project in `dir` (created if missing; refused if it holds a project or other files). */
  static create(dir: string, opts: { name: string; appVersion: string }): ProjectStore {
    const abs = resolve(dir);
    const name = checkText(opts.name, 'project name', 200);
    checkText(opts.appVersion, 'appVersion', 100);
    const entries = listDir(abs);
    if (entries !== null) {
      if (entries.includes(PROJECT_DB_FILE))
        throw new AppError(ErrorCode.ALREADY_EXISTS, `${abs} already holds an Apprentice project`, {
          path: abs,
        });
      if (entries.some((e) => !IGNORABLE.has(e)))
        throw new AppError(
          ErrorCode.ALREADY_EXISTS,
          `${abs} is not empty: choose an empty or new folder for a project`,
          { path: abs },
        );
    }
    try {
      mkdirDurable(abs);
    } catch (err) {
      throw toAppError(err);
    }
    const lock = ProjectLock.acquire(abs);
    // Built under a temp name and renamed into place: a crash mid-create never leaves a half-made project.sqlite.
    const tmp = join(abs, CREATING_FILE);
    try {
      for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
      const raw = new Database(tmp);
      try {
        raw.pragma('synchronous = FULL');
        raw.pragma(`application_id = ${APPLICATION_ID}`);
        migrate(raw);
        const now = nowIso();
        const put = raw.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?)');
        raw.transaction(() => {
          put.run('id', randomUUID());
          put.run('name', name);
          put.run('created_at', now);
          put.run('created_with_app_version', opts.appVersion);
          put.run('last_opened_with_app_version', opts.appVersion);
        })();
      } finally {
        raw.close();
      }
      fsyncFile(tmp);
      renameSync(tmp, join(abs, PROJECT_DB_FILE));
      fsyncDir(abs);
      mkdirDurable(join(abs, CONTENT_DIR));
      return ProjectStore.openLocked(abs, lock, opts.appVersion);
    } catch (err) {
      for (const f of [tmp, `${tmp}-journal`]) rmSync(f, { force: true });
      lock.release();
      throw sqliteError(err, join(abs, PROJECT_DB_FILE));
    }
  }

  /**
   * Opens an existing project: migrates an older schema (after a backup), refuses a newer one, refuses a
   * folder that is not a project or a damaged database without touching it.
   */
  static open(dir: string, opts: { appVersion: string }): ProjectStore {
    const abs = resolve(dir);
    checkText(opts.appVersion, 'appVersion', 100);
    const entries = listDir(abs);
    if (entries === null)
      throw new AppError(ErrorCode.NOT_FOUND, `No project folder at ${abs}`, { path: abs });
    if (!entries.includes(PROJECT_DB_FILE))
      throw new AppError(
        ErrorCode.NOT_FOUND,
        `${abs} is not an Apprentice project (no ${PROJECT_DB_FILE} in it)`,
        { path: abs },
      );
    const lock = ProjectLock.acquire(abs);
    try {
      return ProjectStore.openLocked(abs, lock, opts.appVersion);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private static openLocked(dir: string, lock: ProjectLock, appVersion: string): ProjectStore {
    const file = join(dir, PROJECT_DB_FILE);
    checkHeader(file);
    let raw: Database.Database | undefined;
    try {
      raw = new Database(file, { fileMustExist: true });
      // Read-only checks first: nothing is written to a file we have not recognised.
      const appId = raw.pragma('application_id', { simple: true }) as number;
      const version = raw.pragma('user_version', { simple: true }) as number;
      if (appId !== APPLICATION_ID || version < 1)
        throw new AppError(ErrorCode.BAD_FILE, `${file} is not an Apprentice project database`, {
          path: file,
        });
      if (version > SCHEMA_VERSION) {
        const by = readMeta(raw, 'last_opened_with_app_version');
        throw new AppError(
          ErrorCode.VERSION_MISMATCH,
          `This project was saved by a newer Apprentice${by === undefined ? '' : ` (${by})`} with project format ${version}; ` +
            `this Apprentice (${appVersion}) reads formats up to ${SCHEMA_VERSION}. Update Apprentice to open it.`,
          {
            path: file,
            projectSchema: version,
            supportedSchema: SCHEMA_VERSION,
            projectAppVersion: by ?? null,
            appVersion,
          },
        );
      }
      const problems = (raw.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
      if (problems.length !== 1 || problems[0] !== 'ok')
        throw new AppError(ErrorCode.BAD_FILE, `${file} is damaged: ${problems.join('; ')}`, {
          path: file,
          problems,
        });

      // WAL: readers never block the writer and a commit is one sequential append. synchronous=FULL
      // fsyncs the WAL at every commit: with NORMAL a commit survives kill -9 but not a power cut, and
      // an acknowledged edit must survive both; edits are human-paced, so one fsync each is cheap.
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = FULL');
      raw.pragma('busy_timeout = 5000');

      let backupPath: string | null = null;
      if (version < SCHEMA_VERSION) {
        backupPath = backupBeforeMigration(raw, dir, version);
        migrate(raw);
      }
      // After migrating: a future migration that rebuilds a table needs foreign keys off while it runs.
      raw.pragma('foreign_keys = ON');
      raw
        .prepare(
          `INSERT OR REPLACE INTO project_meta (key, value) VALUES ('last_opened_with_app_version', ?)`,
        )
        .run(appVersion);
      const db = new Db(raw, file);
      const interruptedJobs = new Jobs(db).markInterrupted();
      const migratedFrom = backupPath === null ? null : version;
      return new ProjectStore(dir, db, lock, { migratedFrom, backupPath, interruptedJobs });
    } catch (err) {
      raw?.close();
      throw sqliteError(err, file);
    }
  }

  info(): ProjectInfo {
    const meta = Object.fromEntries(
      this.db
        .all<{ key: string; value: string }>('SELECT key, value FROM project_meta')
        .map((r) => [r.key, r.value]),
    );
    const n = (sql: string): number => this.db.get<{ n: number }>(sql)!.n;
    return {
      id: meta.id ?? '',
      name: meta.name ?? '',
      dir: this.dir,
      createdAt: meta.created_at ?? '',
      schemaVersion: this.db.raw.pragma('user_version', { simple: true }) as number,
      createdWithAppVersion: meta.created_with_app_version ?? '',
      lastOpenedWithAppVersion: meta.last_opened_with_app_version ?? '',
      counts: {
        datasets: n('SELECT count(*) AS n FROM datasets'),
        images: n('SELECT count(*) AS n FROM images'),
        teachers: n('SELECT count(*) AS n FROM teachers'),
        masks: n('SELECT count(*) AS n FROM masks'),
        edits: n(`SELECT count(*) AS n FROM edits WHERE op = 'edit'`),
        reviewed: n(`SELECT count(*) AS n FROM review WHERE state <> 'unreviewed'`),
        jobs: n('SELECT count(*) AS n FROM jobs'),
        students: n('SELECT count(*) AS n FROM students'),
        exports: n('SELECT count(*) AS n FROM exports'),
      },
    };
  }

  rename(name: string): void {
    this.db.run(`UPDATE project_meta SET value = ? WHERE key = 'name'`, [
      checkText(name, 'project name', 200),
    ]);
  }

  /**
   * Removes content blobs no row refers to (orphans of a crash between blob write and commit, or of a
   * failed write) and stale temp files. Blobs younger than `minAgeMs` are kept: they may belong to a
   * write in flight.
   */
  gc(opts: { minAgeMs?: number } = {}): GcResult {
    const live = new Set(
      this.db
        .all<{ h: string }>(
          `SELECT pixel_hash AS h FROM images UNION SELECT blob_hash FROM masks
           UNION SELECT mask_hash FROM edits WHERE mask_hash IS NOT NULL
           UNION SELECT model_hash FROM teachers WHERE model_hash IS NOT NULL
           UNION SELECT hash FROM checkpoints WHERE hash IS NOT NULL
           UNION SELECT hash FROM exports WHERE hash IS NOT NULL`,
        )
        .map((r) => r.h),
    );
    return this.content.gc(live, opts.minAgeMs ?? 10 * 60_000);
  }

  get isOpen(): boolean {
    return this.db.raw.open;
  }

  /** Closes the database (checkpointing the WAL into project.sqlite) and releases the lock. Idempotent. */
  close(): void {
    if (!this.db.raw.open) return;
    try {
      this.db.close();
    } finally {
      this.lock.release();
    }
  }
}

/** True if `dir` holds an Apprentice project.sqlite (checked from its header; the project is not opened). */
export function isProjectFolder(dir: string): boolean {
  try {
    const head = readHead(join(resolve(dir), PROJECT_DB_FILE));
    return (
      head.length >= 72 &&
      head.subarray(0, 16).equals(SQLITE_MAGIC) &&
      head.readUInt32BE(68) === APPLICATION_ID
    );
  } catch {
    return false;
  }
}

function readHead(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(100);
    const n = readSync(fd, buf, 0, 100, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Refuses an empty, truncated-to-nothing or non-SQLite file before SQLite sees it (SQLite would treat an empty file as a new database). */
function checkHeader(file: string): void {
  let head: Buffer;
  try {
    if (!statSync(file).isFile())
      throw new AppError(ErrorCode.BAD_FILE, `${file} is not a file`, { path: file });
    head = readHead(file);
  } catch (err) {
    throw toAppError(err);
  }
  if (head.length === 0)
    throw new AppError(ErrorCode.BAD_FILE, `${file} is empty (damaged project)`, { path: file });
  if (head.length < 100 || !head.subarray(0, 16).equals(SQLITE_MAGIC))
    throw new AppError(ErrorCode.BAD_FILE, `${file} is damaged or not a project database (bad header)`, {
      path: file,
    });
}

function backupBeforeMigration(raw: Database.Database, dir: string, version: number): string {
  const backups = join(dir, BACKUP_DIR);
  mkdirDurable(backups);
  const stamp = nowIso().replace(/[:.]/g, '-');
  const path = join(backups, `project.v${version}.${stamp}.sqlite`);
  // VACUUM INTO writes a consistent copy including what is still in the WAL (a file copy would miss it).
  raw.prepare('VACUUM INTO ?').run(path);
  fsyncFile(path);
  return path;
}

function readMeta(raw: Database.Database, key: string): string | undefined {
  try {
    return (
      raw.prepare('SELECT value FROM project_meta WHERE key = ?').get(key) as { value: string } | undefined
    )?.value;
  } catch {
    return undefined;
  }
}

/** The folder's entries, or null if it does not exist; a non-folder is refused. */
function listDir(dir: string): string[] | null {
  try {
    return readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR')
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `${dir} is a file, not a folder`, { path: dir });
    throw toAppError(err);
  }
}

export { LOCK_FILE };
