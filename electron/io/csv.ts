/**
 * Every CSV the app reads (import manifests, k-fold files, a transfer's review queue) is parsed here by
 * csv-parse, never split by hand, so a quoted name with a comma reads the same everywhere and a broken
 * line is named with its line number. Column names are trimmed and lower-cased; cells are trimmed.
 */
import { parse } from 'csv-parse/sync';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { decodeTextFile } from '../util/text-file.js';
import { readRegularFileSync } from './bytes.js';

/** csv-parse's error codes in words (its messages quote the offending field). */
const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field)',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote (expected a comma or the end of the line)',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a line with another number of fields than the header',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'a line with another number of fields than the header',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE:
    'text after a closing quote (expected a comma or the end of the line)',
  CSV_MAX_RECORD_SIZE: 'a field too large',
};

/** A column name as written in the file, shown only when it reads as a short name. */
export function columnName(name: unknown): string {
  const s = String(name);
  return s.length <= 40 && /^[\p{L}\p{N} _.()/%-]*$/u.test(s) ? `"${s}"` : '(unreadable name)';
}

/** One record per line after the header, keyed by column name; `what` names the file in errors. */
export function parseCsvRecords(text: string, path: string, what: string): Record<string, string>[] {
  try {
    return parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      bom: true,
      trim: true,
    });
  } catch (err) {
    const e = err as { code?: string; lines?: number; column?: unknown };
    const line = typeof e.lines === 'number' ? `line ${e.lines}` : '';
    const column = typeof e.column === 'string' ? `, column ${columnName(e.column)}` : '';
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path} is not ${what}: ${line}${column}${line ? ': ' : ''}${CSV_PROBLEMS[e.code ?? ''] ?? 'not readable as CSV'}`,
      { path, ...(typeof e.lines === 'number' ? { line: e.lines } : {}) },
      { cause: err },
    );
  }
}

export interface CsvFileKind {
  /** What the file is, for "The ... cannot be read": "manifest", "folds file". */
  noun: string;
  /** The same with its article, for "... is not ...": "a CSV manifest". */
  what: string;
  maxBytes: number;
}

/** Reads and parses a CSV file chosen by a person: header names, then records (parseCsvRecords). */
export function readCsvFile(path: string, kind: CsvFileKind): Record<string, string>[] {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileSync(path, kind.maxBytes);
  } catch (err) {
    // A pipe, a device or a file over the size limit is refused by name before anything is read (a plain
    // blocking read of a FIFO would wait for a writer forever).
    if (err instanceof AppError) throw err;
    throw new AppError(ErrorCode.NOT_FOUND, `The ${kind.noun} cannot be read: ${path}`, { path });
  }
  // An image or a spreadsheet picked by mistake is named as such, not parsed into garbage columns.
  return parseCsvRecords(decodeTextFile(bytes, path, kind.what), path, kind.what);
}
