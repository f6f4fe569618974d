import { describe, expect, it } from 'vitest';
import type { InputContract, OutputContract } from '../../../electron/teachers/contract.js';
import { foregroundProbability, outputGrid, toImageGrid } from '../../../electron/teachers/postprocess.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const out1: OutputContract = { kind: 'logits', channels: 1, foregroundChannel: 0, layout: 'NCHW' };

describe('output -> probability', () => {
  it('applies sigmoid to 1-channel logits and softmax to multi-channel logits, per image of a batch', () => {
    const g = outputGrid([2, 1, 1, 2], 2, out1, 't');
    expect(g).toEqual({ height: 1, width: 2, channels: 1 });
    const p = foregroundProbability(Float32Array.from([0, 2, -1, 3]), 1, g, out1, 't');
    expect(p[0]).toBeCloseTo(sig(-1), 6);
    expect(p[1]).toBeCloseTo(sig(3), 6);
    const soft: OutputContract = { kind: 'logits', channels: 2, foregroundChannel: 1, layout: 'NHWC' };
    const g2 = outputGrid([1, 1, 1, 2], 1, soft, 't');
    expect(foregroundProbability(Float32Array.from([1, 3]), 0, g2, soft, 't')[0]).toBeCloseTo(
      Math.exp(3) / (Math.exp(1) + Math.exp(3)),
      6,
    );
  });

  it('takes the foreground channel of softmax/sigmoid outputs as is (NCHW planes)', () => {
    const c: OutputContract = { kind: 'softmax', channels: 2, foregroundChannel: 1, layout: 'NCHW' };
    const g = outputGrid([1, 2, 1, 2], 1, c, 't');
    expect([...foregroundProbability(Float32Array.from([0.9, 0.2, 0.1, 0.8]), 0, g, c, 't')]).toEqual([
      Math.fround(0.1),
      Math.fround(0.8),
    ]);
  });

  it('refuses NaN and a shape that does not fit the card', () => {
    const c: OutputContract = { kind: 'sigmoid', channels: 1, foregroundChannel: 0, layout: 'NCHW' };
    const g = outputGrid([1, 1, 1, 2], 1, c, 't');
    expect(() => foregroundProbability(Float32Array.from([0.5, NaN]), 0, g, c, 'teacher "x"')).toThrow(
      /teacher "x".*1 NaN/,
    );
    expect(() => outputGrid([1, 3, 4, 4], 1, c, 'teacher "x"')).toThrow(/3 channel\(s\), the card says 1/);
    expect(() => outputGrid([2, 1, 4, 4], 1, c, 't')).toThrow(/batch axis is 2/);
  });
});

describe('inverse resize policy', () => {
  it('crops the letterbox and resizes back to the image grid', () => {
    const input: InputContract = {
      layout: 'NCHW',
      height: 4,
      width: 4,
      channels: 1,
      scale: 1,
      mean: [0],
      std: [1],
      resize: 'letterbox',
      padValue: 0,
    };
    // Image 2 x 4 placed at rows 1..2; the output marks exactly those rows.
    const prob = Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0]);
    const back = toImageGrid(
      prob,
      { height: 4, width: 4, channels: 1 },
      { rows: 2, cols: 4, top: 1, left: 0, nh: 2, nw: 4 },
      input,
    );
    expect([...back]).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    // An output at half the input resolution is first brought to the input grid.
    const half = toImageGrid(
      Float32Array.from([1, 1, 0, 0]),
      { height: 2, width: 2, channels: 1 },
      { rows: 4, cols: 4, top: 0, left: 0, nh: 4, nw: 4 },
      { ...input, resize: 'stretch' },
    );
    expect([...half.subarray(0, 4)]).toEqual([1, 1, 1, 1]);
    expect([...half.subarray(12)]).toEqual([0, 0, 0, 0]);
  });
});
