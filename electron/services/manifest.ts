/**
 * An import manifest: a CSV beside a dataset that says, per image, what the files cannot — which case or
 * patient it belongs to (so that splits never put one patient on both sides), its pixel size, its split.
 * Columns are recognised by name: the image by id | image | file | filename | name (matched on the
 * file name without extension); case | case_id | patient | patient_id; pixel_size_mm | spacing_mm;
 * split (train | val | test).
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { AppError, ErrorCode } from '../../shared/errors.js';
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

/** The name an image is matched by: its file name without the extension(s) .png, .dcm, .nii.gz... */
export function imageStem(path: string): string {
  const base = basename(path);
  if (base.toLowerCase().endsWith('.nii.gz')) return base.slice(0, -7);
  return base.slice(0, base.length - extname(base).length);
}

export function readManifest(path: string): Map<string, ManifestEntry> {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_MANIFEST_BYTES)
      throw new AppError(ErrorCode.TOO_LARGE, `${path}: manifest larger than 64 MiB`, { path });
    text = bytes.toString('utf8');
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(ErrorCode.NOT_FOUND, `The manifest cannot be read: ${path}`, { path });
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      bom: true,
      trim: true,
    });
  } catch (err) {
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path}: not a readable CSV (${(err as Error).message.split('\n')[0]})`,
      { path },
    );
  }
  const header = rows.length ? Object.keys(rows[0]!) : [];
  const imageCol = IMAGE_COLUMNS.find((c) => header.includes(c));
  if (!imageCol) {
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path}: no column naming the images (one of ${IMAGE_COLUMNS.join(', ')}); columns are ${header.join(', ') || 'none'}`,
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
          `${path}, line ${i + 2}: pixel size "${row[spacingCol]}" is not a size in mm`,
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
          `${path}, line ${i + 2}: split "${row.split}" is not train, val or test`,
          { path, line: i + 2 },
        );
      }
      entry.split = split;
    }
    out.set(imageStem(name), entry);
  });
  return out;
}
