// A project created under a folder that refuses new folders in an unusual way (/proc answers mkdir with
// ENOENT although it exists): Node's recursive mkdir retries forever there. Each case runs in a child
// process with a timeout, so a regression fails here instead of hanging the test run.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';

const CHILD_TIMEOUT_MS = 45_000;
const onLinux = process.platform === 'linux' && existsSync('/proc/self');

function runNode(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
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
      `import { mkdirDurable } from './electron/util/atomic-write.ts';
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

/** A project folder with one imported 1x1 image, made through the CLI (the user-data folder is `ud`). */
function cliProject(dir: string): { project: string; env: NodeJS.ProcessEnv } {
  const png = join(dir, 'x.png');
  writeFileSync(png, GREY_PNG);
  const project = join(dir, 'p');
  const env = { ...process.env, APPRENTICE_USER_DATA: join(dir, 'ud') };
  const r = runNode([APPRENTICE, 'import', png, '--project', project, '--create'], env);
  expect(r.code, r.stderr).toBe(0);
  return { project, env };
}

const APPRENTICE = join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs');
// 1x1 grey PNG.
const GREY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);

describe.skipIf(!onLinux)('an output folder that cannot be made', () => {
  it('exportMasks to /proc through the API ends the job with an error naming the folder', () => {
    const t = tempDir();
    try {
      const r = runNode([
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { testServices } from './test/helpers/services.ts';
         const services = testServices(${JSON.stringify(join(t.dir, 'user-data'))});
         await services.api.createProject({ parentDir: ${JSON.stringify(t.dir)}, name: 'p' });
         const job = await services.api.exportMasks({ outDir: '/proc/apprentice-test/masks', format: 'png', layer: 'reviewed' });
         const done = await services.jobs.wait(job.jobId);
         console.log(JSON.stringify({ state: done.state, error: done.error }));
         await services.dispose();`,
      ]);
      expect(r.signal, 'the child had to be killed: the mkdir loops').toBeNull();
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        state: string;
        error?: { code: string; message: string };
      };
      expect(out.state).toBe('failed');
      expect(out.error?.code).toBe('IO_ERROR');
      expect(out.error?.message).toMatch(/\/proc\/apprentice-test\/masks cannot be created/);
    } finally {
      t.cleanup();
    }
  });

  it('apprentice export-masks --out /proc/... exits with an error naming the folder', () => {
    const t = tempDir();
    try {
      const { project, env } = cliProject(t.dir);
      const r = runNode([APPRENTICE, 'export-masks', '--project', project, '--out', '/proc/x/masks'], env);
      expect(r.signal, 'the child had to be killed: the mkdir loops').toBeNull();
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/\/proc\/x\/masks cannot be created/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      t.cleanup();
    }
  });

  it('apprentice export --out /proc/... and train --out /proc/... exit with an error naming the folder', () => {
    const t = tempDir();
    try {
      const images = join(t.dir, 'images');
      const masks = join(t.dir, 'masks');
      mkdirSync(images);
      mkdirSync(masks);
      writeFileSync(join(images, 'a.png'), GREY_PNG);
      writeFileSync(join(masks, 'a.png'), GREY_PNG);
      const runs = {
        export: runNode([APPRENTICE, 'export', '--student', join(t.dir, 'run'), '--out', '/proc/x/export']),
        train: runNode([
          APPRENTICE,
          'train',
          '--images',
          images,
          '--masks',
          masks,
          '--out',
          '/proc/x/run',
          '--epochs',
          '1',
        ]),
      };
      for (const [name, r] of Object.entries(runs)) {
        expect(r.signal, `${name}: the child had to be killed: the mkdir loops`).toBeNull();
        expect(r.code, name).not.toBe(0);
        expect(r.stderr, name).toMatch(
          name === 'export'
            ? /\/proc\/x\/export is not writable \(The folder \/proc\/x\/export cannot be created/
            : /\/proc\/x\/run cannot be created/,
        );
        expect(r.stderr, name).not.toMatch(/\n\s+at /);
      }
    } finally {
      t.cleanup();
    }
  });

  it('a user-data folder under /proc (APPRENTICE_USER_DATA) makes the CLI exit with an error naming it', () => {
    const t = tempDir();
    try {
      const png = join(t.dir, 'x.png');
      writeFileSync(png, GREY_PNG);
      const r = runNode([APPRENTICE, 'import', png, '--project', join(t.dir, 'p'), '--create'], {
        ...process.env,
        APPRENTICE_USER_DATA: '/proc/apprentice-test/ud',
      });
      expect(r.signal, 'the child had to be killed: the mkdir loops').toBeNull();
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/\/proc\/apprentice-test\/ud cannot be created/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      t.cleanup();
    }
  });
});
