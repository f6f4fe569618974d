/**
 * An import manifest: a CSV beside a dataset that says, per image, what the files cannot — which case or
 * patient it belongs to (so that splits never put one patient on both sides), its pixel size, its split.
 * Columns are recognised by name: the image by id | image | file | filename | name (matched on the
 * file name without extension); case | case_id | patient | patient_id; pixel_size_mm | spacing_mm;
 * split (train | val | test).
 */
import { parse } from 'csv-parse/sync';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readRegularFileSync } from '../io/bytes.js';
import { fileStem } from '../util/files.js';
import { decodeTextFile } from '../util/text-file.js';
import type { Split } from '../store/images.js';

export interface ManifestEntry {
  caseId?: string;
  spacing?: [number, number];
  split?: Split;
}

const IMAGE_COLUMNS = ['id', 'image', 'file', 'filename', 'name'];
const CASE_COLUMNS = ['case', 'case_id', 'patient', 'patient_id'];
const SPACING_COLUMNS = ['pixel_size_mm', 'spacing_mm'];
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

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
function columnName(name: unknown): string {
  const s = String(name);
  return s.length <= 40 && /^[\p{L}\p{N} _.()/%-]*$/u.test(s) ? `"${s}"` : '(unreadable name)';
}

const WHAT = 'a CSV manifest';

export function readManifest(path: string): Map<string, ManifestEntry> {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileSync(path, MAX_MANIFEST_BYTES);
  } catch (err) {
    // A pipe, a device or a file over the size limit is refused by name before anything is read.
    if (err instanceof AppError) throw err;
    throw new AppError(ErrorCode.NOT_FOUND, `The manifest cannot be read: ${path}`, { path });
  }
  // A PNG or a spreadsheet picked by mistake is named as such, not parsed into garbage columns.
  const text = decodeTextFile(bytes, path, WHAT);
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
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
      `${path} is not ${WHAT}: ${line}${column}${line ? ': ' : ''}${CSV_PROBLEMS[e.code ?? ''] ?? 'not readable as CSV'}`,
      { path, ...(typeof e.lines === 'number' ? { line: e.lines } : {}) },
      { cause: err },
    );
  }
  const header = rows.length ? Object.keys(rows[0]!) : [];
  const imageCol = IMAGE_COLUMNS.find((c) => header.includes(c));
  if (!imageCol) {
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path}: no column naming the images (one of ${IMAGE_COLUMNS.join(', ')}); columns are ${header.slice(0, 20).map(columnName).join(', ') || 'none'}${header.length > 20 ? ', ...' : ''}`,
      { path },
    );
  }
  const caseCol = CASE_COLUMNS.find((c) => header.includes(c));
  const spacingCol = SPACING_COLUMNS.find((c) => header.includes(c));
  const out = new Map<string, ManifestEntry>();
  rows.forEach((row, i) => {
    const name = row[imageCol];
    if (!name) return;
    const entry: ManifestEntry = {};
    if (caseCol && row[caseCol]) entry.caseId = row[caseCol];
    if (spacingCol && row[spacingCol]) {
      const mm = Number(row[spacingCol]);
      if (!Number.isFinite(mm) || mm <= 0 || mm > 100) {
        throw new AppError(
          ErrorCode.BAD_FILE,
          `${path}, line ${i + 2}, column "${spacingCol}": not a pixel size in mm (a number above 0, at most 100)`,
          { path, line: i + 2 },
        );
      }
      entry.spacing = [mm, mm];
    }
    const split = row.split?.toLowerCase();
    if (split) {
      if (split !== 'train' && split !== 'val' && split !== 'test') {
        throw new AppError(
          ErrorCode.BAD_FILE,
          `${path}, line ${i + 2}, column "split": the split is not train, val or test`,
          { path, line: i + 2 },
        );
      }
      entry.split = split;
    }
    out.set(fileStem(name), entry);
  });
  return out;
}
