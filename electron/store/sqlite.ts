import Database from 'better-sqlite3';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';

export type Row = Record<string, unknown>;
export type Params = readonly unknown[] | Record<string, unknown>;

/**
 * A thin layer over one better-sqlite3 connection: cached statements, transactions, and every SQLite
 * failure turned into an AppError a user can act on (disk full, corrupt file, constraint) at one place.
 */
export class Db {
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(
    readonly raw: Database.Database,
    /** The database file, named in error messages. */
    readonly file: string,
  ) {}

  get<T = Row>(sql: string, params: Params = []): T | undefined {
    return this.call(() => this.stmt(sql).get(params as unknown[]) as T | undefined);
  }

  all<T = Row>(sql: string, params: Params = []): T[] {
    return this.call(() => this.stmt(sql).all(params as unknown[]) as T[]);
  }

  run(sql: string, params: Params = []): Database.RunResult {
    return this.call(() => this.stmt(sql).run(params as unknown[]));
  }

  /** Runs `fn` in one IMMEDIATE transaction (takes the write lock up front: no upgrade deadlocks). */
  tx<T>(fn: () => T): T {
    return this.call(() => this.raw.transaction(fn).immediate());
  }

  exec(sql: string): void {
    this.call(() => this.raw.exec(sql));
  }

  close(): void {
    this.stmts.clear();
    if (this.raw.open) this.raw.close();
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.raw.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private call<T>(fn: () => T): T {
    if (!this.raw.open)
      throw new AppError(ErrorCode.FAILED_PRECONDITION, `The project is closed (${this.file})`, {
        path: this.file,
      });
    try {
      return fn();
    } catch (err) {
      throw sqliteError(err, this.file);
    }
  }
}

/** Maps a better-sqlite3 error (or anything else) to an AppError; AppErrors pass through unchanged. */
export function sqliteError(err: unknown, file: string): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return toAppError(err);
  const detail = { path: file, sqlite: code };
  const opts = { cause: err };
  if (code === 'SQLITE_FULL')
    return new AppError(ErrorCode.IO_ERROR, `The disk is full (writing ${file})`, detail, opts);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return new AppError(ErrorCode.BAD_FILE, `${file} is damaged or not a database`, detail, opts);
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR')
  )
    return new AppError(ErrorCode.IO_ERROR, `Cannot read or write ${file} (${code})`, detail, opts);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return new AppError(ErrorCode.ALREADY_EXISTS, `Already exists: ${(err as Error).message}`, detail, opts);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
    return new AppError(ErrorCode.NOT_FOUND, 'Refers to a record that does not exist', detail, opts);
  if (code.startsWith('SQLITE_CONSTRAINT'))
    return new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Rejected by the project database: ${(err as Error).message}`,
      detail,
      opts,
    );
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
    return new AppError(
      ErrorCode.FAILED_PRECONDITION,
      `${file} is busy (used by another program)`,
      detail,
      opts,
    );
  return new AppError(ErrorCode.INTERNAL, 'Internal error (details are in the log file)', detail, opts);
}

/** Current time as an ISO-8601 string: every timestamp in the project uses this form. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Parses a JSON column written by this store. */
export function parseJson<T = unknown>(text: unknown): T {
  return (typeof text === 'string' ? JSON.parse(text) : null) as T;
}

const MAX_JSON = 4 << 20;

/** Serializes a JSON column, refusing what cannot round-trip (functions, cycles, NaN) or is unreasonably big. */
export function toJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? null);
  } catch (err) {
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what} is not JSON-serializable`,
      { field: what },
      { cause: err },
    );
  }
  if (text === undefined)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what} is not JSON-serializable`, { field: what });
  if (text.length > MAX_JSON)
    throw new AppError(ErrorCode.TOO_LARGE, `${what} is too large (${text.length} bytes of JSON)`, {
      field: what,
      limit: MAX_JSON,
    });
  return text;
}

/** Asserts a positive integer id (rows are addressed by INTEGER PRIMARY KEY). */
export function checkId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what} must be a positive integer`, { field: what });
  return id;
}

export function checkEnum<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what} must be one of ${allowed.join(', ')}`, {
      field: what,
    });
  return value as T;
}

export function checkText(value: unknown, what: string, max = 1024): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what} must be a non-empty string of at most ${max} characters`,
      {
        field: what,
      },
    );
  return value;
}

/** Builds `WHERE a = ? AND b = ?` from the defined entries of a filter. */
export function where(conds: [sql: string, value: unknown][]): { sql: string; params: unknown[] } {
  const used = conds.filter(([, v]) => v !== undefined);
  return {
    sql: used.length === 0 ? '' : `WHERE ${used.map(([s]) => s).join(' AND ')}`,
    params: used.map(([, v]) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)),
  };
}
