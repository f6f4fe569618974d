/** Small JSON documents in the user-data folder (settings, recent projects), read defensively. */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { parseJsonText } from '../util/text-file.js';
import type { Logger } from './logger.js';

/**
 * Reads a JSON file. A missing file gives `fallback`; an unreadable or corrupt one is moved aside to
 * `<file>.corrupt-<time>` (never silently overwritten, so a user can recover it) and gives `fallback`.
 */
export function readJsonFile<T>(file: string, parse: (raw: unknown) => T, fallback: T, log: Logger): T {
  if (!existsSync(file)) return fallback;
  try {
    // parseJsonText's error names the line and column; JSON.parse's would copy the file's text into the log.
    return parse(parseJsonText(readFileSync(file, 'utf8'), file));
  } catch (err) {
    const aside = `${file}.corrupt-${Date.now()}`;
    try {
      renameSync(file, aside);
      log.warn(`Unreadable ${file} moved aside to ${aside}; defaults used`, err);
    } catch (renameErr) {
      log.error(`Unreadable ${file} could not be moved aside`, renameErr);
    }
    return fallback;
  }
}

export function writeJsonFile(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
