import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { ContentStore, sha256Hex } from '../../../electron/store/content-store.js';
import {
  decodeMask,
  dequantizeProbabilities,
  encodeMask,
  quantizeProbabilities,
} from '../../../electron/store/mask-codec.js';
import { patternMask, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('ContentStore', () => {
  it('stores blobs by SHA-256 under content/ab/<hash>, once, and reads them back verified', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const cs = new ContentStore(t.dir);
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const h = cs.put(bytes);
    expect(h).toBe(sha256Hex(bytes));
    expect(cs.pathOf(h)).toBe(join(t.dir, 'content', h.slice(0, 2), h));
    expect(cs.put(bytes)).toBe(h);
    expect(readdirSync(join(t.dir, 'content', h.slice(0, 2)))).toEqual([h]);
    expect(cs.get(h)).toEqual(bytes);
    expect([...cs.list()]).toEqual([h]);
    expect(() => cs.pathOf('../../etc/passwd')).toThrow(AppError);
  });

  it('reports a damaged or missing blob, and a new put of the same content repairs it', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const cs = new ContentStore(t.dir);
    const bytes = patternMask(1000, 1);
    const h = cs.put(bytes);
    writeFileSync(cs.pathOf(h), Buffer.alloc(1000)); // same size, wrong bytes
    let err: unknown;
    try {
      cs.get(h);
    } catch (e) {
      err = e;
    }
    expect((err as AppError).code).toBe(ErrorCode.BAD_FILE);
    expect(cs.put(bytes)).toBe(h);
    expect(readFileSync(cs.pathOf(h))).toEqual(Buffer.from(bytes));
    expect(() => cs.get('0'.repeat(64))).toThrow(/missing/);
  });
});

describe('mask codec', () => {
  it('round-trips masks and refuses a blob of the wrong size or garbage', () => {
    const m = patternMask(64 * 64, 3);
    const blob = encodeMask(m);
    expect(blob.length).toBeLessThan(m.length);
    expect(decodeMask(blob, m.length, 'm')).toEqual(m);
    expect(() => decodeMask(blob, m.length - 1, 'm')).toThrow(AppError);
    expect(() => decodeMask(blob, m.length + 1, 'm')).toThrow(/expected/);
    expect(() => decodeMask(new Uint8Array([1, 2, 3]), 10, 'm')).toThrow(/cannot be decoded/);
  });

  it('quantizes probabilities to 8 bits within half a step', () => {
    const p = Float32Array.from([0, 0.25, 0.5, 1, 1.5, -1, Number.NaN]);
    const q = quantizeProbabilities(p);
    expect([...q]).toEqual([0, 64, 128, 255, 255, 0, 0]);
    const back = dequantizeProbabilities(q);
    for (let i = 0; i < 4; i++) expect(Math.abs(back[i]! - p[i]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });
});
