// User text files (cards, specs, manifests): errors name the file, line, column and problem, never content.
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import {
  decodeTextFile,
  jsonSyntaxError,
  notTextReason,
  parseJsonText,
  yamlError,
} from '../../../electron/util/text-file.js';

const SECRET = 'hunter2-secret';

function message(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('JSON errors', () => {
  it('name line, column and problem without quoting the text', () => {
    const cases: [string, RegExp][] = [
      [`${SECRET} more words`, /line 1, column 1: expected a value, found 'h'/],
      [`{\n  "a": 1,\n  "b": ${SECRET}\n}`, /line 3, column 8: expected a value, found 'h'/],
      [`{"a": 1,}`, /line 1, column 9: expected a property name in double quotes, found '\}'/],
      [`{"a": "${SECRET}`, /line 1, column 7: a string is not closed/],
      [`["${SECRET}" 2]`, /line 1, column 19: expected ',' or '\]', found '2'/],
      [`{"a": 1} ${SECRET}`, /line 1, column 10: 'h' after the end of the JSON value/],
      [`{"a" 1}`, /expected ':' after a property name, found '1'/],
      [`{"a": "x\\q"}`, /line 1, column 10: an invalid escape sequence/],
      ['', /line 1, column 1: the file ends where a value should be/],
      ['\u0000\u0001', /expected a value, found character U\+0000/],
    ];
    for (const [text, want] of cases) {
      const m = message(() => parseJsonText(text, '/cards/t.json'));
      expect(m, text).toMatch(/^\/cards\/t\.json is not valid JSON: line \d+, column \d+: /);
      expect(m, text).toMatch(want);
      expect(m, text).not.toContain(SECRET);
    }
  });

  it('agrees with JSON.parse on what is valid, over thousands of damaged documents', () => {
    const base = JSON.stringify({
      name: 'unet',
      n: [1, -2.5, 3e-4, 0, true, false, null],
      s: 'a\\"b\\u00e9\n\t',
      o: { x: { y: [[], {}] } },
    });
    const alphabet = '{}[],:"\\ -0123456789.eEtrufalsn\nxu';
    let seed = 7;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    for (let round = 0; round < 5000; round++) {
      let text = base;
      for (let e = 0; e <= rand(3); e++) {
        const at = rand(text.length + 1);
        const op = rand(3);
        const ch = alphabet[rand(alphabet.length)]!;
        text =
          op === 0
            ? text.slice(0, at) + ch + text.slice(at)
            : op === 1
              ? text.slice(0, at) + text.slice(at + 1)
              : text.slice(0, at) + ch + text.slice(at + 1);
      }
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const found = jsonSyntaxError(text);
      expect(found === undefined, text).toBe(valid);
      if (found) {
        // Where Node gives a position, the scanner points at the same character (except for a string
        // left open: Node points at the end of the file, the scanner at the opening quote).
        if (!found.problem.startsWith('a string is not closed'))
          try {
            JSON.parse(text);
          } catch (err) {
            const pos = /at position (\d+)/.exec((err as Error).message);
            if (pos) expect(found.offset, text).toBe(Number(pos[1]));
          }
      }
    }
  });

  it('survives deep nesting', () => {
    expect(jsonSyntaxError('['.repeat(200_000))).toMatchObject({ offset: 200_000 });
    expect(jsonSyntaxError(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBeUndefined();
  });
});

describe('YAML errors', () => {
  it('name line, column and problem without the code frame', () => {
    const cases: [string, RegExp][] = [
      [`teachers: [a.json]\n${SECRET}: b: c\n`, /line 2, column \d+: a nested mapping on one line/],
      [`out: x\nout: ${SECRET}\n`, /line 2, column 1: a key that appears twice/],
      [`a: "${SECRET}\\q"\n`, /line 1, column \d+: an invalid escape sequence/],
      [`\t${SECRET}: 1\n`, /line 1, column 1: a tab used for indentation/],
      [`a: *${SECRET}\n`, /an alias refers to an anchor that is not defined/],
    ];
    for (const [text, want] of cases) {
      let err: unknown;
      const doc = parseDocument(text);
      if (doc.errors.length) err = doc.errors[0];
      else
        try {
          doc.toJS();
        } catch (e) {
          err = e;
        }
      const m = yamlError(err, '/runs/spec.yaml').message;
      expect(m, text).toMatch(/^\/runs\/spec\.yaml is not valid YAML: (line \d+, column \d+: )?[a-z]/);
      expect(m, text).toMatch(want);
      expect(m, text).not.toContain(SECRET);
    }
  });
});

describe('binary files where text is expected', () => {
  it('say what the file looks like', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(notTextReason(png)).toBe('a PNG image');
    expect(notTextReason(Uint8Array.from([0x50, 0x4b, 3, 4, 20, 0]))).toMatch(/ZIP archive.*Excel/);
    expect(notTextReason(Uint8Array.from([0x61, 0, 0x62]))).toMatch(/NUL bytes/);
    expect(notTextReason(Uint8Array.from([0x61, 0xc3, 0x28]))).toMatch(/not UTF-8/);
    expect(notTextReason(new TextEncoder().encode('id,case\nb1,é\n'))).toBeUndefined();
    expect(message(() => decodeTextFile(png, '/d/manifest.png', 'a CSV manifest'))).toBe(
      '/d/manifest.png is not a CSV manifest: it is a PNG image',
    );
  });
});
