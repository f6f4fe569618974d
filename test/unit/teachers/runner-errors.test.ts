import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import { loadTeacherCard, parseTeacherCard } from '../../../electron/teachers/card.js';
import type { InputContract, OutputContract } from '../../../electron/teachers/contract.js';
import { checkOnnxModel } from '../../../electron/teachers/onnx-runner.js';
import { openTeacher } from '../../../electron/teachers/open.js';
import type { TeacherImage } from '../../../electron/teachers/preprocess.js';
import { TensorTeacher, type TensorModel } from '../../../electron/teachers/runner.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const TEACHERS = join(SHARED_DIR, 'teachers');
const input: InputContract = {
  layout: 'NCHW',
  height: 2,
  width: 2,
  channels: 1,
  scale: 1 / 255,
  mean: [0],
  std: [1],
  resize: 'stretch',
  padValue: 0,
};
const output: OutputContract = { kind: 'sigmoid', channels: 1, foregroundChannel: 0, layout: 'NCHW' };
const img = (name: string, v: number): TeacherImage => ({
  name,
  rows: 2,
  cols: 2,
  channels: 1,
  pixels: new Uint8Array(4).fill(v),
});

/** Returns the input as the output (so p = pixel/255); throws or emits NaN on chosen pixel values. */
function echoModel(onRun?: (batch: number) => void): TensorModel {
  return {
    fixedBatch: null,
    async run(data, batch) {
      onRun?.(batch);
      if (data.some((v) => Math.abs(v - 13 / 255) < 1e-6)) throw new Error('kernel exploded');
      return { data: data.map((v) => (Math.abs(v - 66 / 255) < 1e-6 ? NaN : v)), dims: [batch, 1, 2, 2] };
    },
    async dispose() {},
  };
}

describe('teacher failures are per image; the others go on', () => {
  it('isolates an image the model throws on, and one with NaN output', async () => {
    const batches: number[] = [];
    const t = new TensorTeacher(
      'echo',
      'onnx',
      input,
      output,
      echoModel((b) => batches.push(b)),
      8,
    );
    const r = await t.predict([img('fine', 255), img('boom', 13), img('nan', 66), img('also-fine', 0)]);
    expect(r.map((x) => x.ok)).toEqual([true, false, false, true]);
    expect(r[0]!.ok && [...r[0]!.prob]).toEqual([1, 1, 1, 1]);
    expect(!r[1]!.ok && r[1]!.error.message).toMatch(/teacher "echo" failed on boom: kernel exploded/);
    expect(!r[2]!.ok && r[2]!.error.message).toMatch(/teacher "echo" failed on nan: .*NaN/);
    // One batch of 4 failed, then each image alone.
    expect(batches).toEqual([4, 1, 1, 1, 1]);
  });

  it("an output shape that does not fit the card is the teacher's error, thrown", async () => {
    const wrong: TensorModel = {
      fixedBatch: null,
      run: async (_d, b) => ({ data: new Float32Array(b * 12), dims: [b, 3, 2, 2] }),
      dispose: async () => {},
    };
    const t = new TensorTeacher('wrong', 'onnx', input, output, wrong);
    await expect(t.predict([img('a', 1)])).rejects.toThrow(
      /teacher "wrong": the output \[1, 3, 2, 2\] does not fit the card: 3 channel/,
    );
  });
});

describe('ONNX teachers refuse bad models and contracts before running', () => {
  it('a file that is not a model', async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'junk.onnx'), 'this is not a protobuf');
      const card = parseTeacherCard(
        {
          name: 'junk',
          onnx: { file: 'junk.onnx' },
          input: { channels: 1, height: 8, width: 8 },
          output: { kind: 'sigmoid' },
        },
        t.dir,
      );
      const err = await openTeacher(card).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('BAD_FILE');
      expect((err as AppError).message).toMatch(/junk\.onnx cannot be loaded as an ONNX model/);
    } finally {
      t.cleanup();
    }
  });

  it("a model that does not match the card's checksum", async () => {
    const t = tempDir();
    try {
      copyFileSync(join(TEACHERS, 'unet-busi.onnx'), join(t.dir, 'fcn-busi.onnx'));
      const raw = { ...loadTeacherCard(join(TEACHERS, 'fcn-busi.json')).raw };
      await expect(openTeacher(parseTeacherCard(raw, t.dir))).rejects.toThrow(
        /does not match its card "fcn-busi"/,
      );
    } finally {
      t.cleanup();
    }
  });

  it('a contract with the wrong channels or size', async () => {
    const raw = loadTeacherCard(join(TEACHERS, 'unet-busi.json')).raw as { input: object; onnx: object };
    const bad = (input: object) => parseTeacherCard({ ...raw, input: { ...raw.input, ...input } }, TEACHERS);
    await expect(openTeacher(bad({ channels: 3, mean: [0], std: [1] }))).rejects.toThrow(
      /card says channels 3 \(NCHW\) but the model input "input" is \[batch, 1, 256, 256\]/,
    );
    await expect(openTeacher(bad({ height: 224, width: 224 }))).rejects.toThrow(/card says height 224/);
    await expect(openTeacher(bad({ name: 'image' }))).rejects.toThrow(
      /no input "image" \(its inputs: input\)/,
    );
  });

  it('a card naming an input the model does not have, on opening and on import', async () => {
    const t = tempDir();
    try {
      const raw = JSON.parse(readFileSync(join(TEACHERS, 'unet-busi.json'), 'utf8')) as {
        input: object;
        output: object;
      };
      const cardPath = join(t.dir, 'unet-busi.json');
      const modelPath = join(t.dir, 'unet-busi.onnx');
      writeFileSync(cardPath, JSON.stringify({ ...raw, input: { ...raw.input, name: 'pixels' } }));
      copyFileSync(join(TEACHERS, 'unet-busi.onnx'), modelPath);
      const card = loadTeacherCard(cardPath);
      const expected = `teacher "unet-busi" (card ${cardPath}): the card names input "pixels" but the model ${modelPath} has no input "pixels" (its inputs: input)`;
      const opening = () => openTeacher(card);
      const importing = () => checkOnnxModel(readFileSync(modelPath), card);
      for (const attempt of [opening, importing]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('INVALID_ARGUMENT');
        expect((err as AppError).message).toBe(expected);
        expect((err as AppError).detail).toMatchObject({
          card: cardPath,
          model: modelPath,
          expected: 'pixels',
          actual: ['input'],
        });
      }
      // The output name is held to the card the same way.
      writeFileSync(cardPath, JSON.stringify({ ...raw, output: { ...raw.output, name: 'scores' } }));
      await expect(openTeacher(loadTeacherCard(cardPath))).rejects.toThrow(
        `the card names output "scores" but the model ${modelPath} has no output "scores" (its outputs: output)`,
      );
    } finally {
      t.cleanup();
    }
  });
});
