/**
 * Validation split by case/patient: every image of a case lands on the same side, so the validation
 * score is not inflated by a second view of a training patient. Either a seeded random split with a
 * fraction of the cases, or a fold from a k-fold file (e.g. BUS-BRA's 5-fold-cv.csv: columns ID, kFold),
 * or the train/val/test splits assigned in a project (test never reaches training or validation).
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readCsvFile } from '../io/csv.js';
import { Rng } from './rng.js';

export interface Split<T> {
  train: T[];
  val: T[];
}

export function splitByCase<T extends { caseId: string }>(
  items: readonly T[],
  valFraction: number,
  seed: number,
): Split<T> {
  if (!(valFraction >= 0 && valFraction < 1))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'The validation fraction must be in [0, 1)', {
      field: 'valFraction',
    });
  const cases = [...new Set(items.map((i) => i.caseId))].sort();
  new Rng(seed).shuffle(cases);
  const nVal = items.length > 1 && valFraction > 0 ? Math.max(1, Math.round(cases.length * valFraction)) : 0;
  const valCases = new Set(cases.slice(0, Math.min(nVal, cases.length - 1)));
  return {
    train: items.filter((i) => !valCases.has(i.caseId)),
    val: items.filter((i) => valCases.has(i.caseId)),
  };
}

export type AssignedSplit = 'train' | 'val' | 'test';
export type UnassignedPolicy = 'train' | 'split' | 'exclude';

export interface AssignmentSplit<T> extends Split<T> {
  /** Never trained or validated on: assigned test, or unassigned images of a case with test images. */
  test: T[];
  /** Unassigned images the 'exclude' policy leaves out. */
  leftOut: T[];
}

/**
 * Honours splits assigned on Data: train trains, val validates, test is held out. An unassigned image
 * of a case that already has assigned images follows that case (test first, then val, then train), so
 * a later import cannot put a test patient's slice into training; the other unassigned images follow
 * the policy: all to training, split by case with `valFraction`, or left out.
 */
export function splitByAssignment<T extends { caseId: string; split: AssignedSplit | null }>(
  items: readonly T[],
  unassigned: UnassignedPolicy,
  valFraction: number,
  seed: number,
): AssignmentSplit<T> {
  const caseSplit = new Map<string, AssignedSplit>();
  const rank: Record<AssignedSplit, number> = { train: 0, val: 1, test: 2 };
  for (const i of items) {
    if (i.split === null) continue;
    const known = caseSplit.get(i.caseId);
    if (known === undefined || rank[i.split] > rank[known]) caseSplit.set(i.caseId, i.split);
  }
  const out: AssignmentSplit<T> = { train: [], val: [], test: [], leftOut: [] };
  const free: T[] = [];
  for (const i of items) {
    const split = i.split ?? caseSplit.get(i.caseId) ?? null;
    if (split !== null) out[split].push(i);
    else free.push(i);
  }
  if (unassigned === 'train') out.train.push(...free);
  else if (unassigned === 'exclude') out.leftOut.push(...free);
  else {
    const s = splitByCase(free, valFraction, seed);
    out.train.push(...s.train);
    out.val.push(...s.val);
  }
  return out;
}

/** Validation = the items whose id is listed (a split decided before the run, e.g. the project's). */
export function splitByIds<T extends { id: string }>(
  items: readonly T[],
  valIds: readonly string[],
): Split<T> {
  const val = new Set(valIds);
  return { train: items.filter((i) => !val.has(i.id)), val: items.filter((i) => val.has(i.id)) };
}

/** A folds CSV lists one line per image: far below this even for a large cohort. */
const MAX_FOLDS_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads `id -> fold` from a CSV with an id column (ID/id, image or name) and a fold column (kFold/fold).
 * Rows without an id or with a fold that is not an integer are passed over.
 */
export function readFoldFile(path: string): Map<string, number> {
  const rows = readCsvFile(path, {
    noun: 'folds file',
    what: 'a folds file (CSV text)',
    maxBytes: MAX_FOLDS_FILE_BYTES,
  });
  const header = rows.length ? Object.keys(rows[0]!) : [];
  const idCol = header.find((h) => h === 'id' || h === 'image' || h === 'name');
  const foldCol = header.find((h) => h === 'kfold' || h === 'fold');
  if (idCol === undefined || foldCol === undefined)
    throw new AppError(ErrorCode.BAD_FILE, `${path} needs an ID column and a kFold (or fold) column`, {
      path,
    });
  const out = new Map<string, number>();
  for (const row of rows) {
    const id = row[idCol];
    const fold = Number(row[foldCol]);
    if (id && row[foldCol] !== '' && Number.isInteger(fold)) out.set(id, fold);
  }
  return out;
}

/** Validation = the items whose fold is `fold`; items the file does not list are refused by name. */
export function splitByFold<T extends { id: string }>(
  items: readonly T[],
  folds: Map<string, number>,
  fold: number,
): Split<T> {
  const missing = items.filter((i) => !folds.has(i.id)).map((i) => i.id);
  if (missing.length > 0)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `The folds file does not list ${missing.length} image(s), e.g. ${missing.slice(0, 3).join(', ')}`,
      {
        missing: missing.slice(0, 20),
      },
    );
  if (![...folds.values()].includes(fold))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `The folds file has no fold ${fold}`, { fold });
  return {
    train: items.filter((i) => folds.get(i.id) !== fold),
    val: items.filter((i) => folds.get(i.id) === fold),
  };
}
