import { spawnSync, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { augmentPair, DEFAULT_AUGMENT } from '../../../electron/students/augment.js';
import { loadFolderSamples, prepareTarget } from '../../../electron/students/dataset.js';
import { resizeBilinear } from '../../../electron/engine/image/resize.js';
import { Rng } from '../../../electron/students/rng.js';
import { readFoldFile, splitByCase, splitByFold } from '../../../electron/students/split.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';
import { BUS_BRA, tinySamples } from './helpers.js';

const tmp = tempDir('apprentice-data-');
afterAll(() => tmp.cleanup());

describe('folder datasets', () => {
  it('pairs images and masks by name and groups cases by the regex', async () => {
    const s = await tinySamples();
    expect(s.map((x) => x.id)).toEqual([
      'bus_0005-l',
      'bus_0005-r',
      'bus_0006-s',
      'bus_0007-l',
      'bus_0007-r',
      'bus_0008-l',
    ]);
    expect(s[1]!.caseId).toBe('bus_0005');
    expect(s[0]!.image.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(s[0]!.mask!.some((v) => v === 255)).toBe(true);
  });

  it('names both files when a mask does not match its image size, and refuses an empty training set', async () => {
    const images = join(tmp.dir, 'img'),
      masks = join(tmp.dir, 'msk');
    mkdirSync(images);
    mkdirSync(masks);
    copyFileSync(join(BUS_BRA, 'images', 'bus_0005-l.png'), join(images, 'a.png'));
    writeFileSync(
      join(masks, 'a.png'),
      encode({ width: 8, height: 8, data: new Uint8Array(64), channels: 1, depth: 8 }),
    );
    await expect(loadFolderSamples(images, masks)).rejects.toThrow(
      /Mask .*msk\/a.png is 8x8 but its image .*img\/a.png is 190x256/,
    );
    const empty = join(tmp.dir, 'none');
    mkdirSync(empty);
    await expect(loadFolderSamples(images, empty)).rejects.toThrow(/training set is empty/);
    await expect(loadFolderSamples(join(tmp.dir, 'missing'), masks)).rejects.toThrow(
      /images folder cannot be read/,
    );
  });

  it('makes binary, soft and one-hot targets', async () => {
    const [s] = await tinySamples();
    const bin = prepareTarget(s!, 32, 'binary', 1);
    expect(new Set(bin)).toEqual(new Set([0, 1]));
    const soft = prepareTarget({ ...s!, mask: s!.mask!.map((v) => (v ? 128 : 0)) }, 32, 'soft', 1);
    expect(Math.max(...soft)).toBeCloseTo(128 / 255, 5);
    const onehot = prepareTarget({ ...s!, mask: s!.mask!.map((v) => (v ? 2 : 0)) }, 16, 'labels', 3);
    expect(onehot.length).toBe(16 * 16 * 3);
    for (let i = 0; i < 256; i++) expect(onehot[3 * i]! + onehot[3 * i + 1]! + onehot[3 * i + 2]!).toBe(1);
    expect(() => prepareTarget({ ...s!, mask: s!.mask!.map((v) => (v ? 5 : 0)) }, 16, 'labels', 3)).toThrow(
      /label 5/,
    );
  });
});

describe('splits by case', () => {
  it('never puts one case on both sides, and is reproducible from the seed', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ id: `i${i}`, caseId: `c${Math.floor(i / 2)}` }));
    const a = splitByCase(items, 0.25, 1),
      b = splitByCase(items, 0.25, 1);
    expect(a).toEqual(b);
    const trainCases = new Set(a.train.map((i) => i.caseId));
    expect(a.val.some((i) => trainCases.has(i.caseId))).toBe(false);
    expect(a.val.length).toBe(10);
  });

  it("reads BUS-BRA's 5-fold file; both views of a patient share a fold", () => {
    const folds = readFoldFile(join(BUS_BRA, '5-fold-cv.csv'));
    expect(folds.get('bus_0001-l')).toBe(folds.get('bus_0001-r'));
    const items = [{ id: 'bus_0001-l' }, { id: 'bus_0001-r' }, { id: 'bus_0002-l' }];
    const fold = folds.get('bus_0001-l')!;
    expect(splitByFold(items, folds, fold).val.map((i) => i.id)).toEqual(['bus_0001-l', 'bus_0001-r']);
    expect(() => splitByFold([{ id: 'nope' }], folds, 1)).toThrow(/does not list 1 image/);
  });

  it('refuses a FIFO given as folds file at once, naming it (a blocking read would wait forever)', () => {
    const pipe = join(tmp.dir, 'folds.csv');
    execFileSync('mkfifo', [pipe]);
    // In a child with a kill timeout: a regression hangs the child, not the test run.
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { readFoldFile } from './electron/students/split.ts';
         try { readFoldFile(${JSON.stringify(pipe)}); console.log('read'); }
         catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' },
    );
    expect(r.signal, 'the child had to be killed: the read blocked on the FIFO').toBeNull();
    expect(JSON.parse(r.stdout.trim())).toEqual({
      code: 'UNSUPPORTED',
      message: `${pipe}: is a named pipe (FIFO), not a regular file`,
    });
  });

  it('names a folds file that is missing, or that is an image instead of CSV', () => {
    const missing = join(tmp.dir, 'no-such-folds.csv');
    expect(() => readFoldFile(missing)).toThrow(`The folds file cannot be read: ${missing}`);
    const png = join(tmp.dir, 'folds.png');
    writeFileSync(png, encode({ width: 2, height: 2, data: new Uint8Array(4), channels: 1 }));
    expect(() => readFoldFile(png)).toThrow(/folds\.png.*a PNG image/);
  });

  it('reads folds files as CSV (csv-parse): quoted ids, broken lines named, empty folds not read as 0', () => {
    // The hand-split reader this replaced cut "a,b" in two, read an empty fold cell as fold 0 and took a
    // line with a missing field as it came; now quoting works, an empty fold leaves the image unlisted
    // (splitByFold then names it) and a short line is refused with its line number.
    const ok = join(tmp.dir, 'quoted-folds.csv');
    writeFileSync(ok, 'ID,kFold\n"case,1",2\n spaced ,3\nempty,\n');
    expect([...readFoldFile(ok)]).toEqual([
      ['case,1', 2],
      ['spaced', 3],
    ]);
    const broken = join(tmp.dir, 'broken-folds.csv');
    writeFileSync(broken, 'id,fold\na,1\nb\n');
    expect(() => readFoldFile(broken)).toThrow(
      /broken-folds\.csv is not a folds file \(CSV text\): line 3.*another number of fields/,
    );
  });
});

describe('augmentation and resizing', () => {
  it('resizes with half-pixel centres (a constant stays constant, a 2x down-sample averages pairs)', () => {
    const x = Float32Array.from([0, 1, 2, 3]);
    expect(Array.from(resizeBilinear(x, 1, 4, 1, 2))).toEqual([0.5, 2.5]);
    expect(Array.from(resizeBilinear(new Float32Array(12).fill(3), 3, 4, 5, 2))).toEqual(Array(10).fill(3));
  });

  it('is reproducible from the RNG state and keeps hard targets hard', () => {
    const size = 16;
    const x = Float32Array.from({ length: size * size }, (_, i) => (i % 7) / 7);
    const y = Float32Array.from({ length: size * size }, (_, i) => (i % size > 8 ? 1 : 0));
    const a = augmentPair(x, y, size, 1, 1, DEFAULT_AUGMENT, new Rng(5), true);
    const b = augmentPair(x, y, size, 1, 1, DEFAULT_AUGMENT, new Rng(5), true);
    expect(a).toEqual(b);
    expect(new Set(a.y)).toEqual(new Set([0, 1]));
    expect(a.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    const flipOnly = {
      ...DEFAULT_AUGMENT,
      rotateDeg: 0,
      scale: 0,
      brightness: 0,
      contrast: 0,
      gamma: 0,
      hflip: true,
    };
    // Find a seed that flips: the target mirrors exactly.
    for (let seed = 0; seed < 10; seed++) {
      const r = augmentPair(x, y, size, 1, 1, flipOnly, new Rng(seed), true);
      if (r.y[0] === 1) {
        for (let row = 0; row < size; row++)
          for (let c = 0; c < size; c++) expect(r.y[row * size + c]).toBe(y[row * size + size - 1 - c]);
        return;
      }
    }
    throw new Error('no seed flipped');
  });
});
