/** Path checks for arguments that name folders on the user's machine. */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';

/** Resolves an absolute path and checks that it is an existing folder; refuses relative paths. */
export function existingFolder(path: string, what: string): string {
  if (!isAbsolute(path)) {
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what} must be an absolute path: ${path}`, { path });
  }
  const p = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    throw new AppError(ErrorCode.NOT_FOUND, `${what} does not exist: ${p}`, { path: p });
  }
  if (!isDir) throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what} is not a folder: ${p}`, { path: p });
  return p;
}

/** Refuses relative paths (the main process's working folder is not the user's); resolves the rest. */
export function absolutePath(path: string, what: string): string {
  if (!isAbsolute(path)) {
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what} must be an absolute path: ${path}`, { path });
  }
  return resolve(path);
}

/** True when `child` is `root` or lies inside it (after resolving both). */
export function isInside(root: string, child: string): boolean {
  const r = resolve(root);
  const c = resolve(child);
  return (
    c === r ||
    c.startsWith(r.endsWith('/') || r.endsWith('\\') ? r : `${r}${process.platform === 'win32' ? '\\' : '/'}`)
  );
}
