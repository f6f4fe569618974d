import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModelCard, type CardInputs } from '../../../electron/io/model-export/model-card.js';
import { loadTeacherCard, parseTeacherCard } from '../../../electron/teachers/card.js';
import { SHARED_DIR } from '../../helpers/temp.js';

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
