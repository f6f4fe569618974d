/**
 * The main process's log: one line per entry, written to <userData>/logs/main.log and rotated by size
 * (main.log -> main.1.log -> ... -> main.N.log), so a user can attach it to a bug report and it never
 * grows without bound. Writes are synchronous appends: a crash loses no line that was logged before it.
 */
import { appendFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../util/atomic-write.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  readonly file: string;
  level: LogLevel;
  error(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
  info(msg: string, data?: unknown): void;
  debug(msg: string, data?: unknown): void;
}

export interface FileLoggerOptions {
  dir: string;
  baseName?: string;
  level?: LogLevel;
  /** Rotate when the file would exceed this many bytes. */
  maxBytes?: number;
  /** How many rotated files to keep besides the live one. */
  keep?: number;
  /** Also echo to stderr (CLI --verbose, development). */
  echo?: boolean;
}

export function createFileLogger(opts: FileLoggerOptions): Logger {
  const base = opts.baseName ?? 'main';
  const maxBytes = opts.maxBytes ?? 2 * 1024 * 1024;
  const keep = opts.keep ?? 5;
  makeDirs(opts.dir); // bounded, unlike Node's recursive mkdir (which loops under /proc)
  const file = join(opts.dir, `${base}.log`);
  const rotated = (i: number) => join(opts.dir, `${base}.${i}.log`);
  let size = existsSync(file) ? statSync(file).size : 0;

  const rotate = () => {
    rmSync(rotated(keep), { force: true });
    for (let i = keep - 1; i >= 1; i--) if (existsSync(rotated(i))) renameSync(rotated(i), rotated(i + 1));
    if (existsSync(file)) renameSync(file, rotated(1));
    size = 0;
  };

  const write = (level: LogLevel, msg: string, data?: unknown) => {
    if (RANK[level] > RANK[logger.level]) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${formatData(data)}\n`;
    const bytes = Buffer.byteLength(line);
    try {
      if (size > 0 && size + bytes > maxBytes) rotate();
      appendFileSync(file, line);
      size += bytes;
    } catch {
      // A full or read-only disk must not take the application down with it.
    }
    if (opts.echo) process.stderr.write(line);
  };

  const logger: Logger = {
    file,
    level: opts.level ?? 'info',
    error: (m, d) => write('error', m, d),
    warn: (m, d) => write('warn', m, d),
    info: (m, d) => write('info', m, d),
    debug: (m, d) => write('debug', m, d),
  };
  return logger;
}

/** A logger that drops everything: for tests and the CLI without --log. */
export function createNullLogger(): Logger {
  const noop = () => {};
  return { file: '', level: 'error', error: noop, warn: noop, info: noop, debug: noop };
}

function formatData(data: unknown): string {
  if (data === undefined) return '';
  if (data instanceof Error) {
    const cause = data.cause instanceof Error ? ` (cause: ${data.cause.stack ?? data.cause.message})` : '';
    return ` ${data.stack ?? data.message}${cause}`;
  }
  try {
    return ` ${JSON.stringify(data)}`;
  } catch {
    return ' [unserialisable data]';
  }
}
