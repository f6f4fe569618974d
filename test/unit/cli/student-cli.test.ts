// apprentice train / finetune / evaluate / export through the real bin shim, on a tiny real subset.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateCommand } from '../../../electron/cli/commands/evaluate.js';
import { exportCommand } from '../../../electron/cli/commands/export.js';
import { finetuneCommand } from '../../../electron/cli/commands/finetune.js';
import { trainCommand } from '../../../electron/cli/commands/train.js';
import { RECIPE_OPTIONS } from '../../../electron/cli/commands/training-recipe.js';
import { REPO_ROOT, SHARED_DIR, tempDir } from '../../helpers/temp.js';

const tmp = tempDir('apprentice-student-cli-');
afterAll(() => tmp.cleanup());
const BUS = join(SHARED_DIR, 'data', 'bus-bra');
const IDS = ['bus_0005-l', 'bus_0005-r', 'bus_0006-s', 'bus_0007-l', 'bus_0007-r', 'bus_0008-l'];
const images = join(tmp.dir, 'images'),
  masks = join(tmp.dir, 'masks');
mkdirSync(images);
mkdirSync(masks);
for (const id of IDS) {
  copyFileSync(join(BUS, 'images', `${id}.png`), join(images, `${id}.png`));
  copyFileSync(join(BUS, 'masks', `${id}.png`), join(masks, `${id}.png`));
}

function apprentice(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('student commands', () => {
  it('document every flag with --help', () => {
    for (const cmd of [trainCommand, finetuneCommand])
      for (const flag of Object.keys(RECIPE_OPTIONS))
        expect(cmd.help, `${cmd.name} --${flag}`).toContain(`--${flag}`);
    for (const flag of [
      'arch',
      'size',
      'width',
      'depth',
      'channels',
      'classes',
      'batch-norm',
      'deep-supervision',
      'list-archs',
    ])
      expect(trainCommand.help).toContain(`--${flag}`);
    for (const flag of ['masks', 'pred', 'model', 'images', 'spacing', 'folds', 'fold', 'csv', 'json'])
      expect(evaluateCommand.help).toContain(`--${flag}`);
    for (const flag of ['student', 'out', 'name', 'project', 'json'])
      expect(exportCommand.help).toContain(`--${flag}`);
    const r = apprentice(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: apprentice train/);
  });

  it('train -> evaluate -> export -> finetune, each with --json as the last line', () => {
    const out = join(tmp.dir, 'run');
    const train = apprentice([
      'train',
      '--images',
      images,
      '--masks',
      masks,
      '--out',
      out,
      '--arch',
      'unet-tiny',
      '--size',
      '32',
      '--epochs',
      '2',
      '--batch',
      '2',
      '--case-regex',
      '^(bus_\\d+)',
      '--json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const t = lastJson(train.stdout);
    expect(t).toMatchObject({ epochs: 2, params: 29_321, train_cases: 3, val_cases: 1 });
    expect(typeof t.val_dice).toBe('number');

    const csv = join(tmp.dir, 'eval.csv');
    const ev = apprentice([
      'evaluate',
      '--masks',
      masks,
      '--model',
      out,
      '--images',
      images,
      '--csv',
      csv,
      '--json',
    ]);
    expect(ev.code, ev.stderr).toBe(0);
    const e = lastJson(ev.stdout) as {
      n: number;
      dice_mean: number;
      iou_mean: number;
      cases: { case: string; dice: number }[];
    };
    expect(e.n).toBe(6);
    expect(e.cases.map((c) => c.case)).toEqual(IDS);
    expect(e.dice_mean).toBeCloseTo(e.cases.reduce((a, c) => a + c.dice, 0) / 6, 10);
    expect(e.iou_mean).toBeLessThanOrEqual(e.dice_mean);

    const self = lastJson(apprentice(['evaluate', '--masks', masks, '--pred', masks, '--json']).stdout);
    expect(self).toMatchObject({ n: 6, dice_mean: 1, iou_mean: 1, hd95_px_mean: 0 });

    const exp = apprentice([
      'export',
      '--student',
      out,
      '--out',
      join(tmp.dir, 'export'),
      '--name',
      'tiny',
      '--json',
    ]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(lastJson(exp.stdout).onnx_max_abs_diff as number).toBeLessThan(1e-4);
    // The exported card runs through the teachers' ONNX runner and scores like the TF.js model.
    const card = apprentice([
      'evaluate',
      '--masks',
      masks,
      '--model',
      join(tmp.dir, 'export', 'tiny.json'),
      '--images',
      images,
      '--json',
    ]);
    expect(card.code, card.stderr).toBe(0);
    const c = lastJson(card.stdout) as { n: number; dice_mean: number };
    expect(c.n).toBe(6);
    expect(c.dice_mean).toBeCloseTo(e.dice_mean, 2);

    const ft = apprentice([
      'finetune',
      '--model',
      join(tmp.dir, 'export'),
      '--images',
      images,
      '--masks',
      masks,
      '--out',
      join(tmp.dir, 'ft'),
      '--epochs',
      '1',
      '--batch',
      '2',
      '--freeze-encoder',
      '--json',
    ]);
    expect(ft.code, ft.stderr).toBe(0);
    expect(lastJson(ft.stdout)).toMatchObject({ epochs: 1, params: 29_321 });
  }, 180_000);

  it('refuses bad input in one line naming the file, exit 2', () => {
    const badMasks = join(tmp.dir, 'bad-masks');
    mkdirSync(badMasks);
    copyFileSync(join(BUS, 'masks', 'bus_0006-s.png'), join(badMasks, 'bus_0005-l.png')); // wrong size for that image
    const r = apprentice([
      'train',
      '--images',
      images,
      '--masks',
      badMasks,
      '--out',
      join(tmp.dir, 'x'),
      '--size',
      '32',
      '--epochs',
      '1',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /bad-masks\/bus_0005-l.png is 256x245 but its image .*bus_0005-l.png is 190x256/,
    );

    const notModel = join(tmp.dir, 'not-a-model');
    mkdirSync(notModel);
    writeFileSync(join(notModel, 'model.json'), 'not json');
    const ev = apprentice(['evaluate', '--masks', masks, '--model', notModel, '--images', images]);
    expect(ev.code).toBe(2);
    expect(ev.stderr.trim().split('\n')).toHaveLength(1);
    expect(ev.stderr).toMatch(/not-a-model\/model.json is not valid JSON: line 1, column 2/);
    expect(ev.stderr).not.toContain('not json');

    const size = apprentice([
      'train',
      '--images',
      images,
      '--masks',
      masks,
      '--out',
      join(tmp.dir, 'y'),
      '--size',
      '100',
    ]);
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/multiple of 16/);
  });
});
