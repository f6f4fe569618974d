import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModelCard, type CardInputs } from '../../../electron/students/export/model-card.js';
import { loadTeacherCard, parseTeacherCard } from '../../../electron/teachers/card.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const TEACHERS = join(SHARED_DIR, 'teachers');

describe('teacher cards', () => {
  it('reads the shared cards to the letter', () => {
    const unet = loadTeacherCard(join(TEACHERS, 'unet-busi.json'));
    expect(unet).toMatchObject({
      name: 'unet-busi',
      kind: 'onnx',
      modelPath: join(TEACHERS, 'unet-busi.onnx'),
    });
    expect(unet.sha256).toBe('9012465471bae2bdc9a6534995ce3ddcb92e43a163c6156ece52a92d191eb2da');
    expect(unet.contract).toEqual({
      input: {
        name: 'input',
        layout: 'NCHW',
        height: 256,
        width: 256,
        channels: 1,
        scale: 1 / 255,
        mean: [0],
        std: [1],
        resize: 'letterbox',
        padValue: 0,
      },
      output: { name: 'output', kind: 'logits', channels: 1, foregroundChannel: 0, layout: 'NCHW' },
    });
    const fcn = loadTeacherCard(join(TEACHERS, 'fcn-busi.json'));
    expect(fcn.contract!.input).toMatchObject({
      channels: 3,
      height: 224,
      resize: 'stretch',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect(fcn.contract!.output).toMatchObject({ kind: 'softmax', channels: 2, foregroundChannel: 1 });
    const res = loadTeacherCard(join(TEACHERS, 'resunet-busi.json'));
    expect(res.contract!.input).toMatchObject({
      channels: 1,
      height: 192,
      resize: 'stretch',
      mean: [0.32526054978370667],
      std: [0.21618789434432983],
    });
    expect(res.contract!.output.kind).toBe('sigmoid');
  });

  it('refuses cards that cannot be run, naming the field', () => {
    const ok = {
      name: 't',
      onnx: { file: 'm.onnx' },
      input: { channels: 1, height: 8, width: 8 },
      output: { kind: 'sigmoid' },
    };
    expect(() => parseTeacherCard({ ...ok, input: { ...ok.input, channels: 2 } }, '/x')).toThrow(
      /input\.channels/,
    );
    expect(() =>
      parseTeacherCard({ ...ok, output: { kind: 'softmax', channels: 2, foreground_channel: 2 } }, '/x'),
    ).toThrow(/foreground_channel 2/);
    expect(() => parseTeacherCard({ ...ok, input: { ...ok.input, mean: [0.1, 0.2] } }, '/x')).toThrow(
      /input\.mean has 2 values/,
    );
    expect(() => parseTeacherCard({ name: 't', input: ok.input, output: ok.output }, '/x')).toThrow(
      /exactly one of/,
    );
    expect(() => parseTeacherCard({ name: 't', onnx: { file: 'm.onnx' } }, '/x')).toThrow(
      /needs "input" and "output"/,
    );
    expect(parseTeacherCard(ok, '/models').modelPath).toBe('/models/m.onnx');
    expect(parseTeacherCard({ name: 'm', masks: { dir: 'maps' } }, '/d')).toMatchObject({
      kind: 'masks',
      modelPath: '/d/maps',
    });
  });
});

describe('card files from elsewhere', () => {
  const contract = { input: { channels: 1, height: 8, width: 8 }, output: { kind: 'sigmoid' } };
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('did not throw');
  };

  it('a broken or binary card is named, with line and column, and its content is not quoted', () => {
    const t = tempDir();
    try {
      const broken = join(t.dir, 'broken.json');
      writeFileSync(broken, '{\n  "name": "t",\n  "token": hunter2\n}');
      const m = message(() => loadTeacherCard(broken));
      expect(m).toBe(`${broken} is not valid JSON: line 3, column 12: expected a value, found 'h'`);
      const png = join(t.dir, 'image.json');
      writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
      expect(message(() => loadTeacherCard(png))).toBe(`${png} is not a teacher card: it is a PNG image`);
    } finally {
      t.cleanup();
    }
  });

  it("keeps a card-relative model path inside the card's folder, links followed", () => {
    const t = tempDir();
    try {
      const cards = join(t.dir, 'cards');
      mkdirSync(join(cards, 'models'), { recursive: true });
      writeFileSync(join(t.dir, 'private.onnx'), 'x');
      writeFileSync(join(cards, 'models', 'm.onnx'), 'x');
      const write = (name: string, file: string) => {
        const p = join(cards, name);
        writeFileSync(p, JSON.stringify({ name, onnx: { file }, ...contract }));
        return p;
      };
      expect(loadTeacherCard(write('sub.json', 'models/m.onnx')).modelPath).toBe(
        join(cards, 'models', 'm.onnx'),
      );
      expect(loadTeacherCard(write('dots.json', './models/../models/m.onnx')).modelPath).toBe(
        join(cards, 'models', 'm.onnx'),
      );
      for (const file of ['../private.onnx', '../../etc/passwd', 'models/../../private.onnx'])
        expect(message(() => loadTeacherCard(write('up.json', file)))).toMatch(
          /up\.json: the model file ".*" is outside the card's folder/,
        );
      symlinkSync(join(t.dir, 'private.onnx'), join(cards, 'models', 'link.onnx'));
      expect(message(() => loadTeacherCard(write('link.json', 'models/link.onnx')))).toMatch(
        /outside the card's folder \(a link to .*private\.onnx\)/,
      );
      symlinkSync(t.dir, join(cards, 'parent'));
      expect(message(() => loadTeacherCard(write('dirlink.json', 'parent/private.onnx')))).toMatch(
        /outside the card's folder/,
      );
      // An absolute path is the card author's explicit choice (the model is still checked when stored).
      expect(loadTeacherCard(write('abs.json', join(t.dir, 'private.onnx'))).modelPath).toBe(
        join(t.dir, 'private.onnx'),
      );
    } finally {
      t.cleanup();
    }
  });
});

describe('exported students are teachers', () => {
  it('reads the card Apprentice writes when it exports a student', () => {
    const inputs: Omit<CardInputs, 'geometry'> = {
      name: 'student',
      architecture: 'U-Net',
      parameters: 1,
      appVersion: '0.1.0',
      onnx: { file: 'student.onnx', bytes: 1, sha256: 'ab'.repeat(32), opset: 13, irVersion: 7 },
      tfjs: { dir: 'tfjs', files: ['model.json'] },
      training: null,
      onnxCheck: {
        runtime: 'onnxruntime-node',
        inputs: 1,
        batch: 1,
        max_abs_diff: 0,
        max_abs_output: 1,
        tolerance: 1e-4,
        passed: true,
      },
      software: {},
    };
    const binary = parseTeacherCard(
      buildModelCard({ ...inputs, geometry: { size: 128, channels: 1, classes: 1 } }),
      '/exports/s',
    );
    expect(binary).toMatchObject({
      kind: 'onnx',
      modelPath: '/exports/s/student.onnx',
      sha256: 'ab'.repeat(32),
    });
    expect(binary.contract).toMatchObject({
      input: { layout: 'NCHW', channels: 1, height: 128, width: 128, resize: 'stretch', mean: [0], std: [1] },
      output: { kind: 'logits', channels: 1, foregroundChannel: 0 },
    });
    const multi = parseTeacherCard(
      buildModelCard({ ...inputs, geometry: { size: 64, channels: 3, classes: 3 } }),
      '/e',
    );
    expect(multi.contract!.output).toMatchObject({ kind: 'logits', channels: 3, foregroundChannel: 1 });
  });
});
