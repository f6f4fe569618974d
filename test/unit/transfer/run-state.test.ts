// The transfer ledger: resumes the same spec, refuses another, reports a damaged file, survives restarts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { RunState, specFingerprint, STATE_FILE } from '../../../electron/transfer/run-state.js';
import { parseSpec } from '../../../electron/transfer/spec-file.js';
import { tempDir } from '../../helpers/temp.js';

const spec = (over: Record<string, unknown> = {}) =>
  parseSpec({ teachers: ['/t/a.json'], transferal: { images: '/i' }, out: '/o', ...over }, '/');

describe('specFingerprint', () => {
  it('ignores key order and sees every value', () => {
    const a = spec();
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(specFingerprint(reordered)).toBe(specFingerprint(a));
    expect(specFingerprint(spec({ seed: 2 }))).not.toBe(specFingerprint(a));
    expect(specFingerprint(spec({ student: { epochs: 31 } }))).not.toBe(specFingerprint(a));
  });
});

describe('RunState', () => {
  it('records finished stages and finds them again after a restart', () => {
    const { dir } = tempDir('state-');
    const s = RunState.open(dir, spec(), false);
    expect(s.done('pseudo-label')).toBe(false);
    s.finish('pseudo-label', { images: 3 });
    const again = RunState.open(dir, spec(), false);
    expect(again.done('pseudo-label')).toBe(true);
    expect(again.result<{ images: number }>('pseudo-label').images).toBe(3);
    expect(again.done('train')).toBe(false);
    expect(() => again.result('train')).toThrow(AppError);
  });

  it('refuses a different spec in the same folder unless fresh', () => {
    const { dir } = tempDir('state-other-');
    RunState.open(dir, spec(), false).finish('pseudo-label', {});
    let err: unknown;
    try {
      RunState.open(dir, spec({ seed: 9 }), false);
    } catch (e) {
      err = e;
    }
    expect((err as AppError).code).toBe(ErrorCode.ALREADY_EXISTS);
    expect((err as AppError).message).toContain(dir);
    const fresh = RunState.open(dir, spec({ seed: 9 }), true);
    expect(fresh.done('pseudo-label')).toBe(false);
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, 10)],
    ['not json', () => 'garbage'],
    ['wrong version', (t: string) => t.replace('"version": 1', '"version": 99')],
    ['stages null', (t: string) => t.replace(/"stages": \{[^}]*\}/, '"stages": null')],
  ])('names a damaged ledger (%s) and suggests --fresh', (_name, damage) => {
    const { dir } = tempDir('state-bad-');
    RunState.open(dir, spec(), false);
    const file = join(dir, STATE_FILE);
    writeFileSync(file, damage(readFileSync(file, 'utf8')));
    let err: unknown;
    try {
      RunState.open(dir, spec(), false);
    } catch (e) {
      err = e;
    }
    expect((err as AppError).code).toBe(ErrorCode.BAD_FILE);
    expect((err as AppError).message).toContain(file);
  });
});
