// A whole transfer on real images with real ONNX teachers and a tiny student: outputs, cross-checked
// scores, resuming (after a finished run and after an interruption), corrections, refusal of another spec.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { TransferSpecInput, TransferSummary } from '../../../shared/transfer.js';
import { loadTeacherCard } from '../../../electron/teachers/card.js';
import { runFolder } from '../../../electron/teachers/folder-run.js';
import { openTeacher } from '../../../electron/teachers/open.js';
import { encodeGreyPng } from '../../../electron/teachers/png.js';
import { runTransfer } from '../../../electron/transfer/pipeline.js';
import { parseSpec } from '../../../electron/transfer/spec-file.js';
import { copyBusBra } from '../../helpers/data.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const TEACHERS = ['fcn-busi', 'unet-busi'].map((t) => join(SHARED_DIR, 'teachers', `${t}.json`));

let root: string;
let sets: {
  transferal: string;
  gt: string;
  test: { images: string; masks: string };
  ft: { images: string; masks: string };
};

beforeAll(() => {
  root = tempDir('transfer-').dir;
  const all = copyBusBra(join(root, 'all'), 14);
  const dirs = {
    transferal: join(root, 'transferal'),
    gt: all.masks,
    test: { images: join(root, 'test', 'images'), masks: join(root, 'test', 'masks') },
    ft: { images: join(root, 'ft', 'images'), masks: join(root, 'ft', 'masks') },
  };
  for (const d of [dirs.transferal, ...Object.values(dirs.test), ...Object.values(dirs.ft)])
    mkdirSync(d, { recursive: true });
  all.names.forEach((n, k) => {
    if (k < 8) {
      copyFileSync(join(all.images, n), join(dirs.transferal, n));
      if (k < 4) {
        copyFileSync(join(all.images, n), join(dirs.ft.images, n));
        copyFileSync(join(all.masks, n), join(dirs.ft.masks, n));
      }
    } else {
      copyFileSync(join(all.images, n), join(dirs.test.images, n));
      copyFileSync(join(all.masks, n), join(dirs.test.masks, n));
    }
  });
  sets = dirs;
});

function spec(out: string, over: Partial<TransferSpecInput> = {}): TransferSpecInput {
  return {
    name: 'tiny',
    teachers: TEACHERS,
    transferal: { images: sets.transferal },
    student: { arch: 'unet-tiny', size: 32, epochs: 2, batchSize: 4, patience: 0, valFraction: 0.25 },
    finetune: { ...sets.ft, epochs: 1, valFraction: 0.25 },
    test: sets.test,
    caseRegex: '^bus_(\\d+)-',
    seed: 3,
    out,
    ...over,
  };
}

const run = (s: TransferSpecInput, hooks: Parameters<typeof runTransfer>[1] = {}) =>
  runTransfer(parseSpec(s, root), hooks);
const diceOf = (r: TransferSummary) => r.test!.scores.map((s) => [s.source, s.dice]);

describe('runTransfer', () => {
  let first: TransferSummary;

  beforeAll(async () => {
    first = await run(spec(join(root, 'run1')));
  }, 180_000);

  it('scores both teachers, the fused label and the student before and after fine-tuning', () => {
    expect(first.teachers).toEqual(['fcn-busi', 'unet-busi']);
    expect(first.test!.scores.map((s) => s.kind)).toEqual([
      'teacher',
      'teacher',
      'fused',
      'student',
      'student',
    ]);
    for (const s of first.test!.scores) {
      expect(s.n).toBe(6);
      expect(s.dice).toBeGreaterThanOrEqual(0);
      expect(s.dice).toBeLessThanOrEqual(1);
    }
    expect(first.transferal).toEqual({ images: 8, labeled: 8, corrected: 0, failed: 0 });
    expect(first.training.epochs).toBe(2);
    expect(first.finetune!.epochs).toBe(1);
    expect(first.resumed).toEqual([]);
  });

  it('gives each teacher the Dice that running it alone on the test set gives', async () => {
    for (const [k, card] of TEACHERS.entries()) {
      const t = await openTeacher(loadTeacherCard(card));
      try {
        const alone = await runFolder([t], {
          images: sets.test.images,
          masks: sets.test.masks,
          out: join(root, `alone-${k}`),
        });
        expect(first.test!.scores[k]!.dice).toBeCloseTo(alone.dice_mean!, 10);
      } finally {
        await t.dispose();
      }
    }
  });

  it('leaves pseudo-labels, the exported student, metrics and the report', () => {
    const out = join(root, 'run1');
    expect(readdirSync(join(out, 'pseudo-labels', 'labels'))).toHaveLength(8);
    expect(readdirSync(join(out, 'pseudo-labels', 'maps'))).toEqual(['fcn-busi', 'unet-busi']);
    const queue = readFileSync(join(out, 'pseudo-labels', 'review-queue.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(queue).toHaveLength(9);
    expect(existsSync(join(out, 'student', 'tiny.onnx'))).toBe(true);
    expect(existsSync(join(out, 'student', 'tfjs', 'model.json'))).toBe(true);
    const card = JSON.parse(readFileSync(join(out, 'student', 'tiny.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(card.kind ?? card.onnx).toBeTruthy();
    const csv = readFileSync(first.report.csv, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(7);
    const metrics = JSON.parse(readFileSync(first.report.json, 'utf8')) as { test: { dice: number }[] };
    expect(metrics.test.map((t) => t.dice)).toEqual(first.test!.scores.map((s) => s.dice));
    const html = readFileSync(first.report.html, 'utf8');
    expect(html).toContain('Knowledge transfer: tiny');
    // The default fusion is 'auto': the report says which ran and why, with the teachers' weights.
    expect(html).toContain('fused (auto)');
    expect(html).toContain('<h2>Fusion: auto</h2>');
    expect(html).toContain('Automatic (label-free)');
    expect(first.fusion).toMatchObject({ method: 'auto', images: 8, weightsFrom: 'this-set' });
    expect(first.fusion!.teachers.map((t) => t.name)).toEqual(['fcn-busi', 'unet-busi']);
    const json = JSON.parse(readFileSync(first.report.json, 'utf8')) as { fusion: unknown };
    expect(json.fusion).toEqual(first.fusion);
  });

  it('run again, takes every stage from the ledger and reports the same numbers', async () => {
    const again = await run(spec(join(root, 'run1')));
    expect(again.resumed).toEqual(['pseudo-label', 'train', 'finetune', 'evaluate', 'export', 'report']);
    expect(diceOf(again)).toEqual(diceOf(first));
  }, 60_000);

  it('continues an interrupted run to the numbers of an uninterrupted one', async () => {
    const out = join(root, 'interrupted');
    // First stopped between the two passes of 'auto' (every map made, no label fused yet)...
    const early = new AbortController();
    const stopped = await run(spec(out), {
      signal: early.signal,
      onProgress: (p) => {
        if (p.stage === 'pseudo-label' && p.done === p.total && p.done !== undefined) early.abort();
      },
    }).catch((e: unknown) => e);
    expect((stopped as AppError).code).toBe(ErrorCode.CANCELLED);
    expect(existsSync(join(out, 'pseudo-labels', 'labels'))).toBe(true);
    expect(readdirSync(join(out, 'pseudo-labels', 'labels'))).toHaveLength(0);
    // ...then in training, after a checkpoint.
    const ac = new AbortController();
    let err: unknown;
    try {
      await run(spec(out), {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.stage === 'train' && p.train?.phase === 'checkpoint') ac.abort();
        },
      });
    } catch (e) {
      err = e;
    }
    expect((err as AppError).code).toBe(ErrorCode.CANCELLED);
    expect((err as AppError).message).toContain(out);
    const resumed = await run(spec(out));
    expect(resumed.resumed).toEqual(['pseudo-label']);
    expect(diceOf(resumed)).toEqual(diceOf(first));
    expect(resumed.fusion).toEqual(first.fusion);
  }, 300_000);

  it('refuses another spec in the same folder, naming it', async () => {
    await expect(run(spec(join(root, 'run1'), { seed: 4 }))).rejects.toMatchObject({
      code: ErrorCode.ALREADY_EXISTS,
    });
  });

  it("trains on a person's corrections in place of those images' fused labels", async () => {
    const corrections = join(root, 'corrections');
    mkdirSync(corrections, { recursive: true });
    const name = readdirSync(sets.transferal)[0]!;
    copyFileSync(join(sets.gt, name), join(corrections, name));
    const out = join(root, 'corrected');
    const r = await run(
      spec(out, {
        transferal: { images: sets.transferal, corrections },
        finetune: undefined,
        test: undefined,
        student: { arch: 'unet-tiny', size: 32, epochs: 1, batchSize: 4, valFraction: 0.25 },
      }),
    );
    expect(r.transferal.corrected).toBe(1);
    expect(r.test).toBeNull();
    const label = decode(readFileSync(join(out, 'pseudo-labels', 'labels', name)));
    const truth = decode(readFileSync(join(sets.gt, name)));
    expect(Array.from(label.data).map((v) => (v ? 1 : 0))).toEqual(
      Array.from(truth.data).map((v) => (v ? 1 : 0)),
    );
    expect(readFileSync(join(out, 'pseudo-labels', 'review-queue.csv'), 'utf8')).toMatch(
      new RegExp(`${name.replace('.png', '')},[^\\n]*,1\\n`),
    );
  }, 120_000);

  it('names the file when a correction does not fit its image or has no image', async () => {
    const name = readdirSync(sets.transferal)[0]!;
    const wrongSize = join(root, 'bad-size');
    mkdirSync(wrongSize, { recursive: true });
    writeFileSync(join(wrongSize, name), encodeGreyPng(new Uint8Array(12), 3, 4));
    await expect(
      run(
        spec(join(root, 'bad-size-out'), { transferal: { images: sets.transferal, corrections: wrongSize } }),
      ),
    ).rejects.toThrow(new RegExp(`${join(wrongSize, name)}.*4x3`));
    const orphan = join(root, 'orphan');
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, 'nobody.png'), encodeGreyPng(new Uint8Array(12), 3, 4));
    await expect(
      run(spec(join(root, 'orphan-out'), { transferal: { images: sets.transferal, corrections: orphan } })),
    ).rejects.toThrow(/nobody\.png has no transferal image/);
  }, 180_000);

  it('refuses a missing teacher card and a transferal folder without images, before training', async () => {
    await expect(
      run(spec(join(root, 'no-card'), { teachers: [join(root, 'missing.json')] })),
    ).rejects.toThrow(/missing\.json/);
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'notes.txt'), 'not an image');
    await expect(
      run(spec(join(root, 'empty-out'), { transferal: { images: empty } })),
    ).rejects.toBeInstanceOf(AppError);
  }, 60_000);
});
