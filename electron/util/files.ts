/**
 * Folder listings and file-name stems: how images pair with masks, predictions and manifest rows by
 * name ("case12.png" pairs with "case12.dcm" and "CASE12.nii.gz"'s stem is "CASE12"). One rule for the
 * whole app, so a file that pairs in one place pairs in every other.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';

/**
 * The name a file is matched by: its base name without the extension; ".nii.gz" counts as one extension
 * in any letter case ("vol.nii.gz" and "VOL.NII.GZ" -> "vol", "VOL"), since scanners and archives write
 * upper-case names and a mask must pair with its image whatever the case of the extension.
 */
export function fileStem(path: string): string {
  const base = basename(path);
  if (base.toLowerCase().endsWith('.nii.gz')) return base.slice(0, -'.nii.gz'.length);
  return base.slice(0, base.length - extname(base).length);
}

/**
 * Regular, non-hidden files of one folder (not its subfolders), sorted by name, as full paths. A folder
 * that cannot be listed is an AppError naming it (`what` says which: "images", "masks"...).
 */
export function listFiles(dir: string, what?: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const e = toAppError(err);
    const code = e.code === ErrorCode.INVALID_ARGUMENT ? ErrorCode.NOT_FOUND : e.code;
    throw new AppError(code, `The ${what ? `${what} ` : ''}folder cannot be read: ${dir} (${e.message})`, {
      path: dir,
    });
  }
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

/** listFiles keyed by fileStem; of two files with one stem the later in name order wins. */
export function filesByStem(dir: string, what?: string): Map<string, string> {
  return new Map(listFiles(dir, what).map((p) => [fileStem(p), p]));
}
