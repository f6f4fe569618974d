/**
 * Where a training run puts things, and checks that it can: OUT/checkpoints (resume state),
 * OUT/model (the best model, TF.js layers format) and OUT/training.json (what was trained on what, how,
 * and how well: the model card's source). An output folder that cannot be written is refused before any
 * work starts, naming the folder.
 */
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { fsyncDir, fsyncFile, mkdirDurable } from '../util/atomic-write.js';
import { readJsonText } from '../util/text-file.js';

export const TRAINING_JSON = 'training.json';
export const MODEL_DIR = 'model';
export const CHECKPOINT_DIR = 'checkpoints';

/** Creates `dir` if needed and checks it is a writable folder; AppError(IO_ERROR) naming it otherwise. */
export function ensureWritableDir(dir: string, what: string): string {
  const abs = resolve(dir);
  try {
    if (existsSync(abs) && !statSync(abs).isDirectory()) throw new Error('it is a file');
    mkdirDurable(abs);
    accessSync(abs, constants.W_OK);
  } catch (err) {
    // mkdirDurable's own error says why the folder cannot be made ("/proc does not accept new folders").
    const why =
      err instanceof AppError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new AppError(ErrorCode.IO_ERROR, `The ${what} ${abs} is not writable (${why})`, { path: abs });
  }
  return abs;
}

/** Copies the files of one folder into another (created), each fsynced; replaces what was there. */
export function copyDir(from: string, to: string): void {
  const tmp = `${to}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirDurable(tmp);
  for (const name of readdirSync(from)) {
    if (!statSync(join(from, name)).isFile()) continue;
    copyFileSync(join(from, name), join(tmp, name));
    fsyncFile(join(tmp, name));
  }
  rmSync(to, { recursive: true, force: true });
  // A crash before the rename leaves the old folder (or none), never a half-copied one.
  renameSync(tmp, to);
  fsyncDir(dirname(to));
}

export function readJson<T>(path: string, what: string): T {
  try {
    return readJsonText(path, `a ${what}`) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError(ErrorCode.NOT_FOUND, `No ${what} at ${path}`, { path });
    if (err instanceof AppError) throw err; // names file, line and column, without quoting the file
    throw new AppError(ErrorCode.BAD_FILE, `${path} is not a valid ${what}: ${(err as Error).message}`, {
      path,
    });
  }
}
