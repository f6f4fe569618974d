/**
 * An import manifest: a CSV beside a dataset that says, per image, what the files cannot — which case or
 * patient it belongs to (so that splits never put one patient on both sides), its pixel size, its split.
 * Columns are recognised by name: the image by id | image | file | filename | name (matched on the
 * file name without extension); case | case_id | patient | patient_id; pixel_size_mm | spacing_mm;
 * split (train | val | test).
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { columnName, readCsvFile } from '../io/csv.js';
import { fileStem } from '../util/files.js';
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

export function readManifest(path: string): Map<string, ManifestEntry> {
  const rows = readCsvFile(path, { noun: 'manifest', what: 'a CSV manifest', maxBytes: MAX_MANIFEST_BYTES });
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
