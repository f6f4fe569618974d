/**
 * Structured errors that cross every boundary (IPC, WebSocket, CLI). A handler throws an AppError; the
 * shell turns it into an ErrorPayload; the renderer or CLI turns it back into an AppError. Anything else
 * that escapes a handler is reported as INTERNAL without leaking a stack trace to the other side.
 */
export const ErrorCode = {
  /** An argument failed validation (wrong type, out of range, unknown field). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A file or folder does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** A file exists but is not what it claims to be, or is truncated/corrupt. */
  BAD_FILE: 'BAD_FILE',
  /** A file is valid but uses a feature Apprentice does not support (e.g. a transfer syntax). */
  UNSUPPORTED: 'UNSUPPORTED',
  /** The target already exists (e.g. creating a project in a non-empty folder). */
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  /** The operation needs state that is not there (e.g. no project open). */
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  /** Refused for safety: path outside the allowed roots, foreign IPC sender, missing token. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** A request or file exceeds a size bound. */
  TOO_LARGE: 'TOO_LARGE',
  /** A project written by a newer Apprentice. */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  /** A long job was cancelled by the user. */
  CANCELLED: 'CANCELLED',
  /** The operating system refused (disk full, not writable, ...). */
  IO_ERROR: 'IO_ERROR',
  /** A bug: something that should not happen. Details go to the log file. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The wire form of an error: plain data, survives structured clone and JSON. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** Machine-readable context: the file, the field, the limit. Never a stack trace. */
  detail?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    detail?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.detail = detail;
  }

  toPayload(): ErrorPayload {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }

  static fromPayload(p: ErrorPayload): AppError {
    return new AppError(p.code, p.message, p.detail);
  }
}

const CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorPayload(v: unknown): v is ErrorPayload {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.code === 'string' && CODES.has(o.code) && typeof o.message === 'string';
}

/** Maps Node's system errors to codes a user can act on. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: unknown; path?: unknown } | undefined;
  const path = typeof e?.path === 'string' ? { path: e.path } : undefined;
  switch (e?.code) {
    case 'ENOENT':
      return new AppError(ErrorCode.NOT_FOUND, `Not found: ${String(e.path ?? 'file')}`, path, {
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new AppError(
        ErrorCode.IO_ERROR,
        `Not writable or not readable: ${String(e.path ?? 'file')}`,
        path,
        {
          cause: err,
        },
      );
    case 'ENOSPC':
      return new AppError(ErrorCode.IO_ERROR, 'The disk is full', path, { cause: err });
    case 'EEXIST':
      return new AppError(ErrorCode.ALREADY_EXISTS, `Already exists: ${String(e.path ?? 'file')}`, path, {
        cause: err,
      });
    case 'ENOTDIR':
      return new AppError(ErrorCode.INVALID_ARGUMENT, `Not a folder: ${String(e.path ?? 'path')}`, path, {
        cause: err,
      });
    default:
      return new AppError(ErrorCode.INTERNAL, 'Internal error (details are in the log file)', undefined, {
        cause: err,
      });
  }
}
