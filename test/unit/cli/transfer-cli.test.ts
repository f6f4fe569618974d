// `apprentice transfer` and `apprentice demo` through the real bin shim: the JSON line outside checks read,
// flags and spec files alike, and one clear line (exit 2) for bad input.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../../../electron/store/index.js';
import { copyBusBra } from '../../helpers/data.js';
import { REPO_ROOT, SHARED_DIR, tempDir } from '../../helpers/temp.js';

function apprentice(args: string[], cwd = REPO_ROOT) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!) as Record<string, unknown>;

let root: string;
beforeAll(() => {
  root = tempDir('transfer-cli-').dir;
  const all = copyBusBra(join(root, 'all'), 10);
  mkdirSync(join(root, 'transferal'));
  mkdirSync(join(root, 'test', 'images'), { recursive: true });
  mkdirSync(join(root, 'test', 'masks'), { recursive: true });
  all.names.forEach((n, k) => {
    if (k < 6) copyFileSync(join(all.images, n), join(root, 'transferal', n));
    else {
      copyFileSync(join(all.images, n), join(root, 'test', 'images', n));
      copyFileSync(join(all.masks, n), join(root, 'test', 'masks', n));
    }
  });
});

describe('apprentice transfer', () => {
  it('runs a YAML spec (paths relative to it) and ends with the Dice of teachers, fused label and student', () => {
    const teachers = join(SHARED_DIR, 'teachers');
    writeFileSync(
      join(root, 'run.yaml'),
      [
        'name: cli-student',
        `teachers: [${join(teachers, 'fcn-busi.json')}, ${join(teachers, 'resunet-busi.json')}]`,
        'transferal: { images: transferal }',
        'student: { arch: unet-tiny, size: 32, epochs: 1, batchSize: 4, valFraction: 0.25 }',
        'test: { images: test/images, masks: test/masks }',
        'out: out-yaml',
      ].join('\n'),
    );
    const r = apprentice(['transfer', '--spec', join(root, 'run.yaml'), '--seed', '5', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = lastJson(r.stdout) as {
      dice: { teachers: Record<string, number>; fused: number; student: number };
      out: string;
      seed: number;
    };
    expect(Object.keys(j.dice.teachers)).toEqual(['fcn-busi', 'resunet-busi']);
    for (const d of [...Object.values(j.dice.teachers), j.dice.fused, j.dice.student]) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1);
    }
    expect(j.out).toBe(join(root, 'out-yaml'));
    expect(j.seed).toBe(5);
  }, 240_000);

  it('runs from flags alone, prints the table and the report path, and keeps the run in --project', () => {
    const projectDir = join(root, 'project');
    ProjectStore.create(projectDir, { name: 'cli runs', appVersion: '0.0.0-test' }).close();
    const r = apprentice(
      [
        'transfer',
        '--teacher',
        join(SHARED_DIR, 'teachers', 'unet-busi.json'),
        '--transferal',
        'transferal',
        '--test-images',
        'test/images',
        '--test-masks',
        'test/masks',
        '--arch',
        'unet-tiny',
        '--size',
        '32',
        '--epochs',
        '1',
        '--val-fraction',
        '0.25',
        '--out',
        'out-flags',
        '--project',
        'project',
      ],
      root,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/unet-busi\s+teacher\s+4\s+0\.\d{4}/);
    expect(r.stdout).toMatch(/^student\s+student\s+4\s+0\.\d{4}/m);
    expect(r.stdout).toContain(`Report:  ${join(root, 'out-flags', 'report.html')}`);
    const store = ProjectStore.open(projectDir, { appVersion: '0.0.0-test' });
    const runs = store.transferRuns.list();
    store.close();
    expect(runs.map((x) => [x.name, x.out, x.report])).toEqual([
      ['student', join(root, 'out-flags'), join(root, 'out-flags', 'report.html')],
    ]);
    expect(runs[0]!.summary.test!.scores.map((x) => x.kind)).toEqual(['teacher', 'student']);
  }, 240_000);

  it.each([
    [['--spec', 'nope.yaml'], /nope\.yaml/],
    [['--teacher', 'x.json', '--out', 'o'], /transferal/],
    [
      ['--teacher', 'x.json', '--transferal', 't', '--out', 'o', '--epochs', 'many'],
      /--epochs must be an integer/,
    ],
    [['--teacher', 'x.json', '--transferal', 't', '--out', 'o', '--finetune-images', 'f'], /go together/],
    [['--teacher', 'x.json', '--transferal', 't', '--out', 'o', '--fuse', 'median'], /fusion\.method/],
    [['--bogus'], /Unknown option/],
  ])('refuses %j in one line with exit 2', (args, message) => {
    const r = apprentice(['transfer', ...args], root);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it("stops on SIGTERM (a scheduler's warning) with exit 1, and the same spec then continues", async () => {
    const args = [
      join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'),
      'transfer',
      '--teacher',
      join(SHARED_DIR, 'teachers', 'unet-busi.json'),
      '--transferal',
      join(root, 'transferal'),
      '--arch',
      'unet-tiny',
      '--size',
      '32',
      '--epochs',
      '40',
      '--batch',
      '2',
      '--val-fraction',
      '0.25',
      // All 40 epochs must run when continued: no early stop on the tiny validation set.
      '--patience',
      '0',
      '--out',
      join(root, 'out-term'),
    ];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        // One SIGTERM, as a scheduler sends (a second one is the user insisting: it ends the process).
        if (!sent && /\[2\/4 train\] epoch 2\//.test(stdout)) {
          sent = true;
          child.kill('SIGTERM');
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(1);
    expect(stderr).toContain('run the same spec again to continue');
    const again = apprentice([...args.slice(1), '--json']);
    expect(again.code).toBe(0);
    const j = lastJson(again.stdout) as { resumed: string[]; training: { epochs: number } };
    expect(j.resumed).toEqual(['pseudo-label']);
    expect(j.training.epochs).toBe(40);
  }, 120_000);

  it('names a broken spec file', () => {
    writeFileSync(join(root, 'broken.json'), '{"teachers": ["a.json"], "out": ');
    const r = apprentice(['transfer', '--spec', join(root, 'broken.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(root, 'broken.json'));
  });
});

describe('apprentice demo', () => {
  it('--quick trains two teachers, transfers to a third architecture and scores all on held-out masks', () => {
    const r = apprentice(['demo', '--quick', '--json', '--out', join(root, 'demo')]);
    expect(r.code).toBe(0);
    const j = lastJson(r.stdout) as {
      dice: { teachers: Record<string, number>; fused: number; student: number };
      test: { images: number };
      report: { html: string };
    };
    expect(Object.keys(j.dice.teachers)).toEqual(['teacher-unet', 'teacher-resunet']);
    expect(j.test.images).toBe(41);
    expect(j.dice.student).toBeGreaterThan(0);
    expect(j.report.html).toBe(join(root, 'demo', 'transfer', 'report.html'));
  }, 240_000);
});
