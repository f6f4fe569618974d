import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'apprentice-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The repository root (tests run from it, but say it explicitly). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
/** The project's read-only material beside the checkout (CI has it at the same place). */
export const SHARED_DIR = join(REPO_ROOT, '..', 'shared');
