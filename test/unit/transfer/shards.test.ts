// `--shard I/N` and `--shards N`: what is accepted, what is refused with a clear message, and how the
// transferal files are split (every file in exactly one shard, in order, sizes within one of each other).
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { MAX_SHARDS, parseShard, parseShardCount, shardRange } from '../../../electron/transfer/shards.js';

describe('parseShard', () => {
  it('reads I/N, numbered from 1, with spaces around the numbers', () => {
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard(' 8 / 8 ')).toEqual({ index: 8, count: 8 });
    expect(parseShard('007/10')).toEqual({ index: 7, count: 10 });
  });

  it.each([
    ['0/0', /N must be a whole number of shards from 1/],
    ['5/3', /--shard 5\/3: the shard number must be from 1 to 3/],
    ['0/3', /numbered from 1/],
    ['1/0', /from 1 to 100000, got "0"/],
    ['3', /must be I\/N/],
    ['', /must be I\/N/],
    ['a/b', /must be I\/N/],
    ['-1/3', /must be I\/N/],
    ['1.5/3', /must be I\/N/],
    ['1/3/4', /must be I\/N/],
    ['1e2/3', /must be I\/N/],
    ['0x1/3', /must be I\/N/],
    [`1/${MAX_SHARDS + 1}`, /from 1 to 100000/],
    ['1/99999999999999999999', /from 1 to 100000/],
  ])('refuses %j, saying why', (text, message) => {
    let err: unknown;
    try {
      parseShard(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect((err as AppError).message).toMatch(message);
    expect((err as AppError).message).toContain('--shard');
  });
});

describe('parseShardCount', () => {
  it('reads a whole number from 1', () => {
    expect(parseShardCount('8')).toBe(8);
    expect(parseShardCount(String(MAX_SHARDS))).toBe(MAX_SHARDS);
  });
  it.each(['0', '-2', '2.5', '', ' ', 'eight', '1e3', `${MAX_SHARDS + 1}`])('refuses %j', (text) => {
    expect(() => parseShardCount(text)).toThrow(/--shards must be a whole number of shards from 1/);
  });
});

describe('shardRange', () => {
  it('gives every file to exactly one shard, in order, any number of shards', () => {
    for (let total = 0; total <= 30; total++)
      for (let count = 1; count <= 40; count++) {
        const ranges = Array.from({ length: count }, (_, k) => shardRange(total, { index: k + 1, count }));
        expect(ranges[0]!.from).toBe(0);
        expect(ranges.at(-1)!.to).toBe(total);
        ranges.forEach((r, k) => {
          expect(r.to).toBeGreaterThanOrEqual(r.from);
          if (k > 0) expect(r.from).toBe(ranges[k - 1]!.to);
        });
        const sizes = ranges.map((r) => r.to - r.from);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
  });

  it('splits a set of 50,000 into 8 shards of 6,250', () => {
    expect(shardRange(50_000, { index: 8, count: 8 })).toEqual({ from: 43_750, to: 50_000 });
  });

  it.each([
    [5, 0, 3],
    [5, 4, 3],
    [5, 1, 0],
    [-1, 1, 2],
    [2.5, 1, 2],
    [5, 1.5, 3],
  ])('refuses total %d, shard %d/%d', (total, index, count) => {
    expect(() => shardRange(total, { index, count })).toThrow(RangeError);
  });
});
