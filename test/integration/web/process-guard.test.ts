// The web shell's process guard, in a process of its own: an error that escapes every handler is logged
// and the process goes on (without the guard, Node ends it with a non-zero exit code).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';

function runScript(dir: string, guarded: boolean) {
  const module = (path: string) => JSON.stringify(pathToFileURL(join(REPO_ROOT, path)).href);
  const script = join(dir, guarded ? 'guarded.ts' : 'bare.ts');
  writeFileSync(
    script,
    [
      `import { createFileLogger } from ${module('electron/services/logger.ts')};`,
      `import { guardProcess } from ${module('electron/web/process-guard.ts')};`,
      `const log = createFileLogger({ dir: ${JSON.stringify(dir)}, baseName: 'web' });`,
      guarded ? 'guardProcess(log);' : '',
      "void Promise.reject(new Error('a rejection nobody handled'));",
      "setTimeout(() => { throw new Error('an exception nobody caught'); }, 0);",
      "setTimeout(() => console.log('still serving'), 0);",
    ].join('\n'),
  );
  return spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, encoding: 'utf8' });
}

describe('web shell process guard', () => {
  it('logs an unhandled rejection and an uncaught exception, and keeps the process running', () => {
    const t = tempDir();
    try {
      const bare = runScript(t.dir, false);
      expect(bare.status).not.toBe(0);
      expect(bare.stdout).not.toMatch(/still serving/);

      const guarded = runScript(t.dir, true);
      expect(guarded.status, guarded.stderr).toBe(0);
      expect(guarded.stdout).toMatch(/still serving/);
      expect(guarded.stderr).toMatch(/unhandled promise rejection, kept running; details in .*web\.log/);
      expect(guarded.stderr).toMatch(/uncaught exception, kept running/);
      const log = readFileSync(join(t.dir, 'web.log'), 'utf8');
      expect(log).toMatch(/ERROR Unhandled promise rejection in the web shell .*a rejection nobody handled/);
      expect(log).toMatch(/ERROR Uncaught exception in the web shell .*an exception nobody caught/);
    } finally {
      t.cleanup();
    }
  });
});
