// The transfer ledger: resumes the same spec, refuses another, reports a damaged file, survives restarts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import {
  checkEarlierRun,
  replacesUnfinishedRun,
  RunState,
  specFingerprint,
  STATE_FILE,
} from '../../../electron/transfer/run-state.js';
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

  it('names the finished stages and the choices, with the detail a screen offers them from', () => {
    const { dir } = tempDir('state-choices-');
    RunState.open(dir, spec(), false).finish('pseudo-label', {});
    writeFileSync(join(dir, 'spec.json'), '{}');
    let err: unknown;
    try {
      checkEarlierRun(dir, spec({ seed: 9 }));
    } catch (e) {
      err = e;
    }
    const e = err as AppError;
    expect(e.code).toBe(ErrorCode.ALREADY_EXISTS);
    expect(e.message).toBe(
      `${dir} holds an earlier run of a different spec (finished: pseudo-label): continue it ` +
        `(--spec ${join(dir, 'spec.json')}), start over in this folder (--fresh), or choose another output folder`,
    );
    expect(e.detail).toMatchObject({
      conflict: 'different-spec',
      out: dir,
      finished: ['pseudo-label'],
      spec: join(dir, 'spec.json'),
      field: 'out',
    });
    // The same spec continues; nothing was written by the check.
    expect(() => checkEarlierRun(dir, spec())).not.toThrow();
    expect(RunState.open(dir, spec(), false).done('pseudo-label')).toBe(true);
  });

  it('lets another spec replace a run that finished no stage (a run that failed at once)', () => {
    const { dir } = tempDir('state-unfinished-');
    RunState.open(dir, spec(), false);
    const fixed = spec({ teachers: ['/t/fixed.json'] });
    expect(replacesUnfinishedRun(dir, fixed)).toBe(true);
    expect(() => checkEarlierRun(dir, fixed)).not.toThrow();
    const s = RunState.open(dir, fixed, false);
    s.finish('pseudo-label', {});
    expect(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')).spec).toBe(specFingerprint(fixed));
    // Now that stage counts: the first spec is refused in turn.
    expect(replacesUnfinishedRun(dir, spec())).toBe(false);
    expect(() => RunState.open(dir, spec(), false)).toThrow(/holds an earlier run of a different spec/);
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
    // The screen offers "Start over in this folder" or "Choose another folder" from this detail.
    expect((err as AppError).detail).toMatchObject({ conflict: 'damaged-ledger', out: dir, spec: null });
  });
});
