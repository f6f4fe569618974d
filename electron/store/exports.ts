import { AppError, ErrorCode } from '../../shared/errors.js';
import { isContentHash } from './content-store.js';
import { type Db, checkEnum, checkId, checkText, nowIso, parseJson, toJson } from './sqlite.js';

/** A student network: its card is the architecture and training recipe (the engine's format, kept as JSON). */
export interface Student {
  id: number;
  name: string;
  card: Record<string, unknown>;
  createdAt: string;
}

/** A saved state of a student: in the content store (hash) or a folder of model.json + weights (path). */
export interface Checkpoint {
  id: number;
  studentId: number;
  jobId: number | null;
  epoch: number | null;
  step: number | null;
  hash: string | null;
  path: string | null;
  meta: Record<string, unknown>;
  createdAt: string;
}

export const EXPORT_KINDS = ['student_model', 'masks', 'dataset', 'report', 'other'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Something written out of the project for use elsewhere. */
export interface ExportRecord {
  id: number;
  kind: ExportKind;
  studentId: number | null;
  jobId: number | null;
  path: string;
  hash: string | null;
  meta: Record<string, unknown>;
  createdAt: string;
}

function checkHashOrNull(h: unknown, what: string): string | null {
  if (h == null) return null;
  if (!isContentHash(h))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what} must be a SHA-256 hex digest`, { field: what });
  return h;
}

export class Students {
  constructor(private readonly db: Db) {}

  add(name: string, card: Record<string, unknown>): Student {
    checkText(name, 'student name', 200);
    if (this.db.get('SELECT 1 FROM students WHERE name = ?', [name]) !== undefined)
      throw new AppError(ErrorCode.ALREADY_EXISTS, `A student named "${name}" already exists`, { name });
    const r = this.db.run('INSERT INTO students (name, card_json, created_at) VALUES (?, ?, ?)', [
      name,
      toJson(card, 'student card'),
      nowIso(),
    ]);
    return this.get(Number(r.lastInsertRowid));
  }

  get(id: number): Student {
    const r = this.db.get<{ id: number; name: string; card_json: string; created_at: string }>(
      'SELECT * FROM students WHERE id = ?',
      [checkId(id, 'student id')],
    );
    if (r === undefined)
      throw new AppError(ErrorCode.NOT_FOUND, `No student with id ${id}`, { studentId: id });
    return { id: r.id, name: r.name, card: parseJson(r.card_json), createdAt: r.created_at };
  }

  list(): Student[] {
    return this.db.all<{ id: number }>('SELECT id FROM students ORDER BY id').map((r) => this.get(r.id));
  }

  addCheckpoint(
    c: Omit<Checkpoint, 'id' | 'createdAt' | 'meta' | 'jobId' | 'epoch' | 'step' | 'hash' | 'path'> &
      Partial<Pick<Checkpoint, 'jobId' | 'epoch' | 'step' | 'hash' | 'path' | 'meta'>>,
  ): Checkpoint {
    this.get(c.studentId);
    const hash = checkHashOrNull(c.hash, 'checkpoint hash');
    if (hash === null && c.path == null)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, 'A checkpoint needs a content hash or a path', {
        field: 'hash',
      });
    const r = this.db.run(
      'INSERT INTO checkpoints (student_id, job_id, epoch, step, hash, path, meta_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        c.studentId,
        c.jobId ?? null,
        c.epoch ?? null,
        c.step ?? null,
        hash,
        c.path ?? null,
        toJson(c.meta ?? {}, 'checkpoint meta'),
        nowIso(),
      ],
    );
    const id = Number(r.lastInsertRowid);
    return this.checkpoints(c.studentId).find((k) => k.id === id)!;
  }

  checkpoints(studentId: number): Checkpoint[] {
    return this.db
      .all<CheckpointRow>('SELECT * FROM checkpoints WHERE student_id = ? ORDER BY id', [studentId])
      .map((r) => ({
        id: r.id,
        studentId: r.student_id,
        jobId: r.job_id,
        epoch: r.epoch,
        step: r.step,
        hash: r.hash,
        path: r.path,
        meta: parseJson(r.meta_json),
        createdAt: r.created_at,
      }));
  }
}

export class Exports {
  constructor(private readonly db: Db) {}

  add(e: {
    kind: ExportKind;
    path: string;
    studentId?: number | null;
    jobId?: number | null;
    hash?: string | null;
    meta?: Record<string, unknown>;
  }): ExportRecord {
    checkEnum(e.kind, EXPORT_KINDS, 'export kind');
    checkText(e.path, 'export path', 4096);
    const r = this.db.run(
      'INSERT INTO exports (kind, student_id, job_id, path, hash, meta_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        e.kind,
        e.studentId ?? null,
        e.jobId ?? null,
        e.path,
        checkHashOrNull(e.hash, 'export hash'),
        toJson(e.meta ?? {}, 'export meta'),
        nowIso(),
      ],
    );
    return this.get(Number(r.lastInsertRowid));
  }

  get(id: number): ExportRecord {
    const r = this.db.get<ExportRow>('SELECT * FROM exports WHERE id = ?', [checkId(id, 'export id')]);
    if (r === undefined) throw new AppError(ErrorCode.NOT_FOUND, `No export with id ${id}`, { exportId: id });
    return toExport(r);
  }

  list(kind?: ExportKind): ExportRecord[] {
    return this.db
      .all<ExportRow>('SELECT * FROM exports WHERE (@kind IS NULL OR kind = @kind) ORDER BY id', {
        kind: kind ?? null,
      })
      .map(toExport);
  }
}

function toExport(r: ExportRow): ExportRecord {
  return {
    id: r.id,
    kind: r.kind,
    studentId: r.student_id,
    jobId: r.job_id,
    path: r.path,
    hash: r.hash,
    meta: parseJson(r.meta_json),
    createdAt: r.created_at,
  };
}

interface CheckpointRow {
  id: number;
  student_id: number;
  job_id: number | null;
  epoch: number | null;
  step: number | null;
  hash: string | null;
  path: string | null;
  meta_json: string;
  created_at: string;
}

interface ExportRow {
  id: number;
  kind: ExportKind;
  student_id: number | null;
  job_id: number | null;
  path: string;
  hash: string | null;
  meta_json: string;
  created_at: string;
}
