// `apprentice train --project`: the CLI trains on a project dataset as the Train screen does, honouring
// the splits of the import manifest (test never trains or validates), through the real bin shim.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainingRecord } from '../../../electron/students/run.js';
import { ProjectStore } from '../../../electron/store/index.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';
import { BUS_BRA, TINY_IDS } from '../students/helpers.js';

const tmp = tempDir('apprentice-train-project-cli-');
afterAll(() => tmp.cleanup());

function apprentice(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, APPRENTICE_USER_DATA: join(tmp.dir, 'user-data') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('apprentice train --project', () => {
  const project = join(tmp.dir, 'project');
  // bus_0005 (l, r) test, bus_0006 val, bus_0007 (l, r) train, bus_0008 unassigned.
  const SPLITS = ['test', 'test', 'val', 'train', 'train', ''];

  it('imports a dataset whose manifest assigns splits', () => {
    const images = join(tmp.dir, 'images');
    const masks = join(tmp.dir, 'masks');
    mkdirSync(images);
    mkdirSync(masks);
    for (const id of TINY_IDS) {
      copyFileSync(join(BUS_BRA, 'images', `${id}.png`), join(images, `${id}.png`));
      copyFileSync(join(BUS_BRA, 'masks', `${id}.png`), join(masks, `${id}.png`));
    }
    const manifest = join(tmp.dir, 'manifest.csv');
    writeFileSync(
      manifest,
      ['id,case,split', ...TINY_IDS.map((id, k) => `${id},${id.slice(0, 8)},${SPLITS[k]}`)].join('\n'),
    );
    const r = apprentice([
      'import',
      images,
      '--project',
      project,
      '--create',
      '--dataset',
      'bus',
      '--masks',
      masks,
      '--manifest',
      manifest,
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('trains on train, validates on val, holds the test images out, and says so first', () => {
    const r = apprentice([
      'train',
      '--project',
      project,
      '--dataset',
      'bus',
      '--labels',
      'ground_truth',
      '--unassigned',
      'exclude',
      '--arch',
      'unet-tiny',
      '--size',
      '32',
      '--width',
      '4',
      '--depth',
      '2',
      '--epochs',
      '1',
      '--batch',
      '2',
      '--no-augment',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /Dataset "bus" \(ground_truth labels\): 2 train \/ 1 val images, 2 test held out, 1 unassigned left out/,
    );
    const record = JSON.parse(
      readFileSync(join(project, 'students', 'student-1', 'training.json'), 'utf8'),
    ) as TrainingRecord;
    expect(record.data).toMatchObject({ trainImages: 2, valImages: 1, trainCases: 1, valCases: 1 });
  });

  it('gives the next run a fresh name, and refuses bad flags by name', () => {
    const again = apprentice([
      'train',
      '--project',
      project,
      '--dataset',
      'bus',
      '--name',
      'student-1',
      '--labels',
      'ground_truth',
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/"student-1" has finished training in this project: choose another name/);
    const unknown = apprentice(['train', '--project', project, '--dataset', 'nope']);
    expect(unknown.stderr).toMatch(/has no dataset named "nope" \(it has "bus"\)/);
    const mixed = apprentice(['train', '--project', project, '--dataset', 'bus', '--images', project]);
    expect(mixed.stderr).toMatch(/--project trains on a project dataset: leave out --images/);
    const policy = apprentice(['train', '--project', project, '--dataset', 'bus', '--unassigned', 'all']);
    expect(policy.stderr).toMatch(/--unassigned must be one of train, split, exclude, got "all"/);
  });

  // Soft labels: one teacher's probability maps, named with --teacher as the Train screen chooses it.
  const TINY_RUN = ['--arch', 'unet-tiny', '--size', '32', '--width', '4', '--depth', '2', '--epochs', '1'];
  const SOFT = ['train', '--project', project, '--dataset', 'bus', '--labels', 'probability'];

  it('refuses soft labels without a teacher, and says none has maps yet', () => {
    const r = apprentice(SOFT);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--labels probability needs --teacher NAME, .*no teacher has probability maps of "bus" yet/,
    );
    const stray = apprentice(['train', '--project', project, '--dataset', 'bus', '--teacher', 'wide']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--teacher .* needs --labels probability/);
  });

  it('names an unknown teacher and lists the teachers with maps', () => {
    // "wide" has a probability map of every image of "bus"; "idle" has none and is not offered.
    const store = ProjectStore.open(project, { appVersion: '0.0.0-test' });
    try {
      const wide = store.teachers.add({ name: 'wide', kind: 'onnx', card: {} });
      store.teachers.add({ name: 'idle', kind: 'onnx', card: {} });
      for (const img of store.images.list()) {
        const gt = store.masks.latest(img.id, 'ground_truth')!;
        // Quantized probabilities (value / 255): confident inside the mask, a little mass outside it.
        const pixels = store.masks.read(gt).map((v) => (v ? 230 : 12));
        store.masks.put(img.id, { kind: 'probability', teacherId: wide.id, pixels });
      }
    } finally {
      store.close();
    }
    const unknown = apprentice([...SOFT, '--teacher', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /the project has no teacher named "nope" \(teachers with probability maps of "bus": "wide" \(6 image\(s\)\)\)/,
    );
    const missing = apprentice(SOFT);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --teacher NAME, .*"wide" \(6 image\(s\)\)/);
    expect(missing.stderr).not.toMatch(/idle/);
  });

  it("trains on the named teacher's probabilities as soft labels, honouring the splits", () => {
    const r = apprentice([
      ...SOFT,
      '--teacher',
      'wide',
      '--unassigned',
      'exclude',
      ...TINY_RUN,
      '--batch',
      '2',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /Dataset "bus" \(probability labels\): 2 train \/ 1 val images, 2 test held out, 1 unassigned left out/,
    );
    const record = JSON.parse(
      readFileSync(join(project, 'students', 'student-2', 'training.json'), 'utf8'),
    ) as TrainingRecord;
    expect(record.data).toMatchObject({ trainImages: 2, valImages: 1, targetMode: 'soft' });
    expect(record.teachers).toEqual(['wide']);
  });
});
