import { AppError, ErrorCode } from '../../shared/errors.js';
import { isContentHash } from './content-store.js';
import { type Db, checkEnum, checkId, checkText, nowIso, parseJson, toJson } from './sqlite.js';

export const TEACHER_KINDS = ['onnx', 'tfjs', 'masks', 'other'] as const;
export type TeacherKind = (typeof TEACHER_KINDS)[number];

/**
 * A teacher is a black box: the card holds its input/output contract (layout, size, scaling, activation,
 * foreground channel) as the engine defines it; the store keeps it as JSON without interpreting it.
 */
export interface Teacher {
  id: number;
  name: string;
  kind: TeacherKind;
  card: Record<string, unknown>;
  /** The imported model file(s) as a content blob, or a path outside the project (precomputed masks). */
  modelHash: string | null;
  modelPath: string | null;
  createdAt: string;
}

export interface NewTeacher {
  name: string;
  kind: TeacherKind;
  card: Record<string, unknown>;
  modelHash?: string | null;
  modelPath?: string | null;
}

export class Teachers {
  constructor(private readonly db: Db) {}

  add(t: NewTeacher): Teacher {
    const name = checkText(t.name, 'teacher name', 200);
    checkEnum(t.kind, TEACHER_KINDS, 'teacher kind');
    if (t.modelHash != null && !isContentHash(t.modelHash))
      throw new AppError(ErrorCode.INVALID_ARGUMENT, 'modelHash must be a SHA-256 hex digest', {
        field: 'modelHash',
      });
    if (this.byName(name) !== undefined)
      throw new AppError(ErrorCode.ALREADY_EXISTS, `A teacher named "${name}" already exists`, { name });
    const r = this.db.run(
      'INSERT INTO teachers (name, kind, card_json, model_hash, model_path, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      [name, t.kind, toJson(t.card, 'teacher card'), t.modelHash ?? null, t.modelPath ?? null, nowIso()],
    );
    return this.get(Number(r.lastInsertRowid));
  }

  get(id: number): Teacher {
    const row = this.db.get<TeacherRow>('SELECT * FROM teachers WHERE id = ?', [checkId(id, 'teacher id')]);
    if (row === undefined)
      throw new AppError(ErrorCode.NOT_FOUND, `No teacher with id ${id}`, { teacherId: id });
    return toTeacher(row);
  }

  byName(name: string): Teacher | undefined {
    const row = this.db.get<TeacherRow>('SELECT * FROM teachers WHERE name = ?', [name]);
    return row === undefined ? undefined : toTeacher(row);
  }

  list(): Teacher[] {
    return this.db.all<TeacherRow>('SELECT * FROM teachers ORDER BY id').map(toTeacher);
  }

  updateCard(id: number, card: Record<string, unknown>): Teacher {
    const r = this.db.run('UPDATE teachers SET card_json = ? WHERE id = ?', [
      toJson(card, 'teacher card'),
      checkId(id, 'teacher id'),
    ]);
    if (r.changes === 0)
      throw new AppError(ErrorCode.NOT_FOUND, `No teacher with id ${id}`, { teacherId: id });
    return this.get(id);
  }
}

interface TeacherRow {
  id: number;
  name: string;
  kind: TeacherKind;
  card_json: string;
  model_hash: string | null;
  model_path: string | null;
  created_at: string;
}

function toTeacher(r: TeacherRow): Teacher {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    card: parseJson(r.card_json),
    modelHash: r.model_hash,
    modelPath: r.model_path,
    createdAt: r.created_at,
  };
}
