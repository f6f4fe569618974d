// Run specs: JSON and YAML files, flags on top, defaults, absolute paths, and clear errors for bad files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { loadSpecFile, mergeSpec, parseSpec } from '../../../electron/transfer/spec-file.js';
import { tempDir } from '../../helpers/temp.js';

const minimal = { teachers: ['t/a.json'], transferal: { images: 'imgs' }, out: 'out' };

function caught(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('parseSpec', () => {
  it('fills every default and makes paths absolute against the base folder', () => {
    const s = parseSpec(minimal, '/data/run');
    expect(s.teachers).toEqual(['/data/run/t/a.json']);
    expect(s.transferal.images).toBe('/data/run/imgs');
    expect(s.out).toBe('/data/run/out');
    expect(s.student).toMatchObject({ arch: 'unet', size: 128, steps: 2000, batchSize: 8, augment: true });
    expect(s.fusion).toEqual({ method: 'auto', threshold: 0.5 });
    expect(s.seed).toBe(1);
    expect(s.finetune).toBeUndefined();
    expect(s.test).toBeUndefined();
  });

  it('keeps absolute paths as they are', () => {
    const s = parseSpec({ ...minimal, out: '/abs/out', test: { images: '/x/i', masks: 'm' } }, '/base');
    expect(s.out).toBe('/abs/out');
    expect(s.test).toEqual({ images: '/x/i', masks: '/base/m' });
  });

  it.each([
    [{ ...minimal, teachers: [] }, 'teachers'],
    [{ ...minimal, transferal: {} }, 'transferal.images'],
    [{ ...minimal, student: { epochs: 0 } }, 'student.epochs'],
    [{ ...minimal, student: { arch: 'unet', bogus: 1 } }, 'student'],
    [{ ...minimal, fusion: { method: 'median' } }, 'fusion.method'],
    [{ ...minimal, fusion: { threshold: 1.5 } }, 'fusion.threshold'],
    [{ ...minimal, name: '../../etc' }, 'name'],
    [{ ...minimal, out: 'a\0b' }, 'out'],
    [{ ...minimal, extra: true }, '(spec)'],
    [{ ...minimal, finetune: { images: 'x' } }, 'finetune.masks'],
  ])('refuses %j naming the field', (input, field) => {
    const e = caught(() => parseSpec(input, '/b', 'my.yaml'));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toContain('my.yaml');
    expect(e.message).toContain(field);
  });

  it('refuses weighted fusion without one weight per teacher, and a broken case regex', () => {
    expect(
      caught(() => parseSpec({ ...minimal, fusion: { method: 'weighted', weights: [1, 2] } }, '/b')).message,
    ).toContain('one weight per teacher');
    expect(caught(() => parseSpec({ ...minimal, caseRegex: '(' }, '/b')).message).toContain('caseRegex');
  });
});

describe('mergeSpec', () => {
  it('overrides single nested settings and skips undefined', () => {
    const m = mergeSpec(
      { student: { arch: 'unet', epochs: 30 }, seed: 3, out: 'a' },
      { student: { epochs: 5 }, seed: undefined, out: 'b' },
    );
    expect(m).toEqual({ student: { arch: 'unet', epochs: 5 }, seed: 3, out: 'b' });
  });
});

describe('loadSpecFile', () => {
  it('reads YAML and JSON alike, paths relative to the file, flags on top', () => {
    const { dir } = tempDir('spec-');
    mkdirSync(join(dir, 'sub'));
    const yaml = join(dir, 'sub', 'run.yaml');
    writeFileSync(
      yaml,
      [
        '# a transfer',
        'teachers: [../cards/a.json, /abs/b.json]',
        'transferal:',
        '  images: ../images',
        'student:',
        '  arch: attention-unet',
        '  epochs: 12',
        'out: ../out',
      ].join('\n'),
    );
    const s = loadSpecFile(yaml, { student: { epochs: 3 } });
    expect(s.teachers).toEqual([join(dir, 'cards', 'a.json'), '/abs/b.json']);
    expect(s.transferal.images).toBe(join(dir, 'images'));
    expect(s.student.arch).toBe('attention-unet');
    expect(s.student.epochs).toBe(3);
    const json = join(dir, 'run.json');
    writeFileSync(json, JSON.stringify(minimal));
    expect(loadSpecFile(json).out).toBe(join(dir, 'out'));
  });

  it('names the file in every error: missing, not JSON/YAML, not an object, too large, invalid', () => {
    const { dir } = tempDir('spec-bad-');
    const missing = caught(() => loadSpecFile(join(dir, 'nope.yaml')));
    expect(missing.code).toBe(ErrorCode.NOT_FOUND);
    expect(missing.message).toContain('nope.yaml');

    const cases: [string, string, string][] = [
      [
        'broken.json',
        '{"teachers": [',
        'is not valid JSON: line 1, column 15: the file ends where a value should be',
      ],
      [
        'broken.yaml',
        'teachers: [a\n  out: : :',
        'is not valid YAML: line 1, column 12: a key that spans several lines',
      ],
      ['list.yaml', '- a\n- b\n', 'must be an object'],
      ['scalar.json', '42', 'must be an object'],
      ['invalid.yaml', 'teachers: []\nout: x\ntransferal: {images: y}\n', 'teachers'],
      [
        'truncated.json',
        JSON.stringify(minimal).slice(0, 30),
        'is not valid JSON: line 1, column 26: a string is not closed',
      ],
      ['binary.yaml', '\u0000\u0001\u0002\u00ff', 'is not a run spec: it is binary data'],
      ['image.yaml', '\u0089PNG\r\n\u001a\n', 'is not a run spec: it is a PNG image'],
    ];
    for (const [name, text, msg] of cases) {
      const f = join(dir, name);
      writeFileSync(f, name === 'image.yaml' ? Buffer.from(text, 'latin1') : text);
      const e = caught(() => loadSpecFile(f));
      expect(e.message, name).toContain(f);
      expect(e.message, name).toContain(msg);
      expect([ErrorCode.INVALID_ARGUMENT, ErrorCode.BAD_FILE]).toContain(e.code);
    }
    // The file's lines are never quoted back (a wrong file may be a private document).
    const secret = join(dir, 'secret.yaml');
    writeFileSync(secret, 'teachers: [a.json]\npassword: hunter2: x\n');
    const quoted = caught(() => loadSpecFile(secret));
    expect(quoted.message).toMatch(/secret\.yaml is not valid YAML: line 2, column \d+: /);
    expect(quoted.message).not.toContain('hunter2');
    expect(quoted.message).not.toContain('\n');
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'a'.repeat(2 << 20));
    expect(caught(() => loadSpecFile(big)).message).toContain('too large');
  });

  it('survives a YAML alias bomb with an error instead of exhausting memory', () => {
    const { dir } = tempDir('spec-bomb-');
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 12; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const f = join(dir, 'bomb.yaml');
    writeFileSync(f, lines.join('\n'));
    const e = caught(() => loadSpecFile(f));
    expect(e.message).toContain(f);
  });
});
