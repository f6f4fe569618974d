import { describe, expect, it } from 'vitest';
import { computeNotice, computeNoticeLines } from '../../../shared/compute-notice.js';

const candidates = [
  { name: 'webgpu', available: false, reason: 'the optional webgpu package is not installed' },
  {
    name: 'native',
    available: true,
    reason:
      'the native addon failed to load (x.node: libdnnl.so.2: cannot open shared object file): JavaScript convolutions',
  },
  { name: 'cpu', available: true, reason: 'not used: a faster backend is available' },
];

describe('computeNotice', () => {
  it('is null without a notice', () => {
    expect(computeNotice({ backend: 'native-cpu', candidates })).toBeNull();
  });

  it('names why the native kernels were not taken when training fell back to the JS kernels', () => {
    const n = computeNotice({ backend: 'js-cpu', candidates, notice: 'Training will be slow.' });
    expect(n).toEqual({ text: 'Training will be slow.', why: candidates[1]!.reason });
    expect(computeNoticeLines(n!)).toEqual([
      'Notice: Training will be slow.',
      `  Why: ${candidates[1]!.reason}`,
    ]);
  });

  it('carries the notice alone for any other backend', () => {
    const n = computeNotice({ backend: 'cpu', candidates, notice: 'Using the stock cpu backend.' });
    expect(n).toEqual({ text: 'Using the stock cpu backend.' });
    expect(computeNoticeLines(n!)).toEqual(['Notice: Using the stock cpu backend.']);
  });
});
