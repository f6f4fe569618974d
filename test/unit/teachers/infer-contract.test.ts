import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guessOutputKind, inferOnnxCard } from '../../../electron/teachers/infer-contract.js';
import { previewWarnings } from '../../../electron/teachers/preview.js';
import { SHARED_DIR } from '../../helpers/temp.js';

const TEACHERS = join(SHARED_DIR, 'teachers');

describe('a bare ONNX model: the contract read from the model', () => {
  it('reads layout, size and channels from the input, the output kind from a probe, and lists assumptions', async () => {
    const unet = await inferOnnxCard(join(TEACHERS, 'unet-busi.onnx'), { resize: 'letterbox' });
    expect(unet.card.contract).toMatchObject({
      input: { layout: 'NCHW', channels: 1, height: 256, width: 256, resize: 'letterbox', scale: 1 / 255 },
      output: { kind: 'logits', channels: 1, foregroundChannel: 0 },
    });
    expect(unet.assumed.join('\n')).toMatch(/layout NCHW.*\n.*pixel\/255.*\n.*output kind logits/);
    const fcn = await inferOnnxCard(join(TEACHERS, 'fcn-busi.onnx'), {
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect(fcn.card.contract!.output).toMatchObject({ kind: 'softmax', channels: 2, foregroundChannel: 1 });
    expect(fcn.assumed).toContain('foreground channel 1');
    const res = await inferOnnxCard(join(TEACHERS, 'resunet-busi.onnx'), { outputKind: 'sigmoid' });
    expect(res.card.contract!.output.kind).toBe('sigmoid');
    expect(res.assumed.join('\n')).not.toMatch(/output kind/);
  });

  it('guesses the output kind from values', () => {
    expect(guessOutputKind(Float32Array.from([-2, 0.5]), [1, 1, 1, 2], 'NCHW')).toBe('logits');
    expect(guessOutputKind(Float32Array.from([0.2, 0.6, 0.8, 0.4]), [1, 2, 1, 2], 'NCHW')).toBe('softmax');
    expect(guessOutputKind(Float32Array.from([0.2, 0.6, 0.3, 0.1]), [1, 2, 1, 2], 'NCHW')).toBe('sigmoid');
  });
});

describe('preview warnings', () => {
  it('names the likely mistake', () => {
    const s = (foregroundFraction: number, minProbability: number, maxProbability: number) => ({
      foregroundFraction,
      minProbability,
      maxProbability,
      meanProbability: 0,
    });
    expect(previewWarnings(s(0.97, 0.4, 1))).toEqual([
      'output is almost all foreground: check the output kind and the foreground channel',
    ]);
    expect(previewWarnings(s(0, 0.49, 0.5))[0]).toMatch(/almost constant: check the input scaling/);
    expect(previewWarnings(s(0.3, -4, 7))[0]).toMatch(/looks like logits/);
    expect(previewWarnings(s(0, 0, 0.3))).toEqual(['no foreground on this image']);
    expect(previewWarnings(s(0.1, 0, 1))).toEqual([]);
  });
});
