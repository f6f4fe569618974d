// A project created under a folder that refuses new folders in an unusual way (/proc answers mkdir with
// ENOENT although it exists): Node's recursive mkdir retries forever there. Each case runs in a child
// process with a timeout, so a regression fails here instead of hanging the test run.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';

const CHILD_TIMEOUT_MS = 45_000;
const onLinux = process.platform === 'linux' && existsSync('/proc/self');

function runNode(args: string[]) {
  const r = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!onLinux)('a project folder that cannot be made', () => {
  it('mkdirDurable gives up at once under /proc, naming the folder', () => {
    const r = runNode([
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { mkdirDurable } from './electron/store/atomic-write.ts';
       try { mkdirDurable('/proc/apprentice-test/a/b'); console.log('created'); }
       catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    ]);
    expect(r.signal, 'the child had to be killed: the mkdir loops').toBeNull();
    const out = JSON.parse(r.stdout.trim()) as { code: string; message: string };
    expect(out.code).toBe('IO_ERROR');
    expect(out.message).toMatch(/\/proc\/apprentice-test/);
    expect(out.message).toMatch(/cannot be created/);
  });

  it('createProject({ parentDir: "/proc" }) through the API answers with an error', () => {
    const t = tempDir();
    try {
      const r = runNode([
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { testServices } from './test/helpers/services.ts';
         import { dispatch } from './electron/services/dispatch.ts';
         const services = testServices(${JSON.stringify(join(t.dir, 'user-data'))});
         const r = await dispatch(services.api, 'createProject', [{ parentDir: '/proc', name: 'x' }], services.log);
         console.log(JSON.stringify(r));
         await services.dispose();`,
      ]);
      expect(r.signal, 'the child had to be killed: the mkdir loops').toBeNull();
      const reply = JSON.parse(r.stdout.trim()) as { ok: boolean; error?: { message: string } };
      expect(reply.ok).toBe(false);
      expect(reply.error?.message).toMatch(/\/proc\/x/);
    } finally {
      t.cleanup();
    }
  });

  it('apprentice import --project /proc/x --create exits with an error naming the folder', () => {
    const t = tempDir();
    try {
      const png = join(t.dir, 'x.png');
      // 1x1 grey PNG.
      writeFileSync(
        png,
        Buffer.from(
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
          'base64',
        ),
      );
      const r = runNode([
        join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'),
        'import',
        png,
        '--project',
        '/proc/x',
        '--create',
      ]);
      expect(r.signal, 'the child had to be killed: the mkdir loops').toBeNull();
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/\/proc\/x/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      t.cleanup();
    }
  });
});
