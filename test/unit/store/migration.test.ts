import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { ContentStore } from '../../../electron/store/content-store.js';
import { encodeMask } from '../../../electron/store/mask-codec.js';
import {
  BACKUP_DIR,
  LOCK_FILE,
  PROJECT_DB_FILE,
  ProjectStore,
  isProjectFolder,
} from '../../../electron/store/project-store.js';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from '../../../electron/store/schema/migrations.js';
import { APP_VERSION, patternMask, projectWithImage, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function temp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function openError(dir: string): AppError {
  try {
    ProjectStore.open(dir, { appVersion: APP_VERSION }).close();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected open to fail');
}

describe('schema migration', () => {
  it('migrates a schema-1 project, keeps its data, and backs it up first', () => {
    expect(SCHEMA_VERSION).toBeGreaterThan(1);
    const dir = temp();
    // What an Apprentice with only migration 1 would have written, with its last commits still in the WAL.
    const content = new ContentStore(dir);
    const pixels = content.put(new Uint8Array(12).fill(3));
    const mask = patternMask(12, 4);
    const maskHash = content.put(encodeMask(mask));
    const old = new Database(join(dir, PROJECT_DB_FILE));
    old.pragma('journal_mode = WAL');
    old.pragma('wal_autocheckpoint = 0');
    old.pragma(`application_id = ${APPLICATION_ID}`);
    expect(migrate(old, 1)).toEqual([1]);
    old.exec(`
      INSERT INTO project_meta VALUES ('id', '11111111-2222-3333-4444-555555555555'), ('name', 'Old project'),
        ('created_at', '2025-01-01T00:00:00.000Z'), ('created_with_app_version', '0.0.9'), ('last_opened_with_app_version', '0.0.9');
      INSERT INTO datasets (id, name, role, created_at) VALUES (1, 'ds', 'transferal', '2025-01-01T00:00:00.000Z');
      INSERT INTO images (id, dataset_id, rows, cols, channels, dtype, pixel_hash, source_kind, source_path, created_at)
        VALUES (1, 1, 3, 4, 1, 'uint8', '${pixels}', 'png', '/x.png', '2025-01-01T00:00:00.000Z');
      INSERT INTO edits (id, image_id, layer, op, tool, params_json, mask_hash, created_at)
        VALUES (1, 1, 'corrected', 'edit', 'brush', '{}', '${maskHash}', '2025-01-01T00:00:00.000Z');
      INSERT INTO edit_heads VALUES (1, 'corrected', 1, '2025-01-01T00:00:00.000Z');
    `);
    expect(readFileSync(join(dir, `${PROJECT_DB_FILE}-wal`)).length).toBeGreaterThan(0);

    const store = ProjectStore.open(dir, { appVersion: APP_VERSION });
    old.close();
    expect(store.opened.migratedFrom).toBe(1);
    const info = store.info();
    expect(info).toMatchObject({
      id: '11111111-2222-3333-4444-555555555555',
      name: 'Old project',
      schemaVersion: SCHEMA_VERSION,
      createdWithAppVersion: '0.0.9',
    });
    expect(info.counts).toMatchObject({ datasets: 1, images: 1, edits: 1 });
    expect(store.edits.current(1, 'corrected')).toEqual(mask);
    // Tables of migration 2 work on the migrated project.
    expect(store.review.set(1, { state: 'accepted' }).state).toBe('accepted');
    expect(store.jobs.create('training').state).toBe('queued');

    // The backup is a complete schema-1 copy, WAL content included.
    const backup = store.opened.backupPath!;
    expect(backup.startsWith(join(dir, BACKUP_DIR))).toBe(true);
    const b = new Database(backup, { readonly: true });
    expect(b.pragma('user_version', { simple: true })).toBe(1);
    expect(b.prepare('SELECT count(*) AS n FROM edits').get()).toEqual({ n: 1 });
    b.close();
    store.close();

    // Opening again does not migrate (or back up) again.
    const again = ProjectStore.open(dir, { appVersion: APP_VERSION });
    expect(again.opened.migratedFrom).toBeNull();
    again.close();
    expect(readdirSync(join(dir, BACKUP_DIR))).toHaveLength(1);
  });

  it('refuses a project from a newer Apprentice, naming both versions, and leaves it untouched', () => {
    const dir = temp();
    ProjectStore.create(dir, { name: 'p', appVersion: APP_VERSION }).close();
    const raw = new Database(join(dir, PROJECT_DB_FILE));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.prepare(`UPDATE project_meta SET value = '9.0.0' WHERE key = 'last_opened_with_app_version'`).run();
    raw.close();
    const before = readFileSync(join(dir, PROJECT_DB_FILE));
    const e = openError(dir);
    expect(e.code).toBe(ErrorCode.VERSION_MISMATCH);
    expect(e.message).toContain('newer Apprentice (9.0.0)');
    expect(e.message).toContain(`format ${SCHEMA_VERSION + 1}`);
    expect(e.message).toContain(`(${APP_VERSION}) reads formats up to ${SCHEMA_VERSION}`);
    expect(e.detail).toMatchObject({ projectSchema: SCHEMA_VERSION + 1, supportedSchema: SCHEMA_VERSION });
    expect(readFileSync(join(dir, PROJECT_DB_FILE))).toEqual(before);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('refusing what is not a healthy project', () => {
  it('a missing folder or a folder without project.sqlite: NOT_FOUND naming the path', () => {
    const dir = temp();
    const missing = join(dir, 'nope');
    let e = openError(missing);
    expect(e.code).toBe(ErrorCode.NOT_FOUND);
    expect(e.message).toContain(missing);
    mkdirSync(join(dir, 'empty'));
    e = openError(join(dir, 'empty'));
    expect(e.code).toBe(ErrorCode.NOT_FOUND);
    expect(e.message).toContain(join(dir, 'empty'));
    expect(isProjectFolder(join(dir, 'empty'))).toBe(false);
  });

  it('a SQLite file of another program: BAD_FILE, file untouched', () => {
    const dir = temp();
    const file = join(dir, PROJECT_DB_FILE);
    const other = new Database(file);
    other.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    other.close();
    const before = readFileSync(file);
    const e = openError(dir);
    expect(e.code).toBe(ErrorCode.BAD_FILE);
    expect(e.message).toContain(`${file} is not an Apprentice project`);
    expect(readFileSync(file)).toEqual(before);
    expect(isProjectFolder(dir)).toBe(false);
  });

  /** A real project with enough rows to span many pages, closed cleanly. */
  function bigProject(): { dir: string; file: string } {
    const dir = temp();
    const { store, image } = projectWithImage(dir, 8, 8);
    store.metrics.record(
      Array.from({ length: 300 }, (_, i) => ({
        imageId: image.id,
        name: `metric-with-a-long-name-${i}`,
        value: i,
      })),
    );
    store.close();
    return { dir, file: join(dir, PROJECT_DB_FILE) };
  }

  const damages: [string, (file: string, bytes: Buffer) => void][] = [
    ['garbage bytes', (f, b) => writeFileSync(f, Buffer.alloc(b.length, 0x5a))],
    ['an empty file', (f) => writeFileSync(f, '')],
    ['a file truncated to its header', (f) => truncateSync(f, 60)],
    ['a file truncated to half', (f, b) => truncateSync(f, Math.floor(b.length / 2 / 4096) * 4096 + 100)],
    [
      'pages overwritten with garbage',
      (f, b) => {
        const d = Buffer.from(b);
        d.fill(0xa5, 4096, d.length - 4096);
        writeFileSync(f, d);
      },
    ],
  ];
  for (const [what, damage] of damages) {
    it(`${what}: BAD_FILE naming the file, no crash, the damaged file left in place`, () => {
      const { dir, file } = bigProject();
      damage(file, readFileSync(file));
      const damaged = readFileSync(file);
      const e = openError(dir);
      expect(e.code).toBe(ErrorCode.BAD_FILE);
      expect(e.message).toContain(file);
      expect(readFileSync(file)).toEqual(damaged);
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      // Asking again gives the same answer (nothing was "repaired" into an empty project).
      expect(openError(dir).code).toBe(ErrorCode.BAD_FILE);
    });
  }
});
