/**
 * Text files a user hands us (teacher cards, run specs, manifests, model.json): decoded and parsed with
 * errors that name the file, the line and column and the problem, and never quote the file's content (a
 * wrong file may be a private document or binary garbage). A file that is not text at all says what it
 * looks like instead (a PNG image, a ZIP archive...).
 */
import { readFileSync } from 'node:fs';
import type { YAMLError } from 'yaml';
import { AppError, ErrorCode } from '../../shared/errors.js';

const MAGIC: [what: string, test: (b: Uint8Array) => boolean][] = [
  ['a PNG image', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['a JPEG image', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['a GIF image', (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38],
  [
    'a TIFF image',
    (b) =>
      (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a),
  ],
  ['a DICOM file', (b) => b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d],
  [
    'a NIfTI image',
    (b) => b[344] === 0x6e && (b[345] === 0x2b || b[345] === 0x69) && b[346] === 0x31 && b[347] === 0,
  ],
  ['a gzip-compressed file', (b) => b[0] === 0x1f && b[1] === 0x8b],
  [
    'a ZIP archive (an Excel or Word file is one: save it as CSV / text)',
    (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04,
  ],
  ['a PDF document', (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46],
  [
    'UTF-16 text (save it as UTF-8)',
    (b) => (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff),
  ],
];

/** What `bytes` are instead of UTF-8 text (e.g. "a PNG image"), or undefined when they are text. */
export function notTextReason(bytes: Uint8Array): string | undefined {
  for (const [what, test] of MAGIC) if (test(bytes)) return what;
  if (bytes.subarray(0, 1 << 16).includes(0)) return 'binary data (it holds NUL bytes)';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'not UTF-8 text (save it with UTF-8 encoding)';
  }
  return undefined;
}

/**
 * The text of a file that must be text; `what` names what the file should be ("a teacher card"). A
 * binary file is refused as BAD_FILE, saying what it looks like.
 */
export function decodeTextFile(bytes: Uint8Array, file: string, what: string): string {
  const reason = notTextReason(bytes);
  if (reason !== undefined)
    throw new AppError(ErrorCode.BAD_FILE, `${file} is not ${what}: it is ${reason}`, { path: file });
  return new TextDecoder('utf-8').decode(bytes);
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      start = i + 1;
    }
  return { line, column: offset - start + 1 };
}

/** Parses JSON text; a syntax error names the file, line, column and problem, without quoting content. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const found = jsonSyntaxError(text) ?? nodeJsonPosition(err);
    const at = found ? lineAndColumn(text, found.offset) : undefined;
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${file} is not valid JSON: ${at ? `line ${at.line}, column ${at.column}: ` : ''}${found?.problem ?? 'syntax error'}`,
      at ? { path: file, line: at.line, column: at.column } : { path: file },
    );
  }
}

/**
 * Reads and parses a JSON file a user may have handed us or edited; `what` names what it should be
 * ("a teacher card"). A binary file or a syntax error is a BAD_FILE AppError naming the file (and line
 * and column) without quoting content; a missing or unreadable file throws Node's error, whose code
 * (ENOENT, EACCES...) the caller turns into its own message.
 */
export function readJsonText(file: string, what: string): unknown {
  return parseJsonText(decodeTextFile(readFileSync(file), file, what), file);
}

/** Node's own position ("... in JSON at position 12"), for the rare case the scanner below disagrees. */
function nodeJsonPosition(err: unknown): { offset: number; problem: string } | undefined {
  const m = /at position (\d+)/.exec(String((err as Error).message));
  return m ? { offset: Number(m[1]), problem: 'syntax error' } : undefined;
}

function charName(text: string, i: number): string {
  if (i >= text.length) return 'the end of the file';
  const c = text.codePointAt(i)!;
  return c > 0x20 && c < 0x7f
    ? `'${String.fromCharCode(c)}'`
    : `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Where JSON text first breaks the grammar (RFC 8259) and why, or undefined when it is valid. Node's
 * JSON.parse quotes the text around the error and sometimes gives no position; this scanner gives both
 * without content. Iterative, so deep nesting cannot overflow the stack.
 */
export function jsonSyntaxError(text: string): { offset: number; problem: string } | undefined {
  const n = text.length;
  const stack: number[] = []; // 0x7b '{' or 0x5b '['
  let i = 0;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  /** Scans a string starting at its opening quote; returns an error or undefined. */
  const string = (): { offset: number; problem: string } | undefined => {
    const start = i++;
    for (;;) {
      if (i >= n) return { offset: start, problem: 'a string is not closed (missing ")' };
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20)
        return {
          offset: i,
          problem: `${charName(text, i)} inside a string (control characters must be escaped)`,
        };
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u') {
          for (let k = i + 2; k < i + 6; k++)
            if (!/[0-9a-fA-F]/.test(text[k] ?? ''))
              return { offset: k, problem: 'a \\u escape needs four hexadecimal digits' };
          i += 6;
        } else return { offset: i + 1, problem: 'an invalid escape sequence in a string' };
      } else i++;
    }
  };
  const digits = (): number => {
    const from = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    return i - from;
  };
  /** Scans a number (-? int frac? exp?); returns an error or undefined. */
  const number = (): { offset: number; problem: string } | undefined => {
    if (text.charCodeAt(i) === 0x2d) i++;
    if (text.charCodeAt(i) === 0x30) i++;
    else if (digits() === 0)
      return { offset: i, problem: `a number without digits, found ${charName(text, i)}` };
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (digits() === 0)
        return { offset: i, problem: `no digits after the decimal point, found ${charName(text, i)}` };
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (digits() === 0)
        return { offset: i, problem: `no digits in the exponent, found ${charName(text, i)}` };
    }
    return undefined;
  };
  let mode: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    ws();
    if (mode === 'value') {
      if (i >= n) return { offset: i, problem: 'the file ends where a value should be' };
      const c = text.charCodeAt(i);
      if (c === 0x7b || c === 0x5b) {
        i++;
        ws();
        if (text.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) {
          i++;
          mode = 'after';
        } else {
          stack.push(c);
          mode = c === 0x7b ? 'key' : 'value';
        }
        continue;
      }
      if (c === 0x22) {
        const e = string();
        if (e) return e;
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        const e = number();
        if (e) return e;
      } else {
        const word = ['true', 'false', 'null'].find((w) => w.charCodeAt(0) === c);
        if (!word) return { offset: i, problem: `expected a value, found ${charName(text, i)}` };
        for (let k = 1; k < word.length; k++)
          if (text.charCodeAt(i + k) !== word.charCodeAt(k))
            return { offset: i + k, problem: `expected "${word}", found ${charName(text, i + k)}` };
        i += word.length;
      }
      mode = 'after';
    } else if (mode === 'key') {
      if (text.charCodeAt(i) !== 0x22)
        return {
          offset: i,
          problem: `expected a property name in double quotes, found ${charName(text, i)}`,
        };
      const e = string();
      if (e) return e;
      ws();
      if (text.charCodeAt(i) !== 0x3a)
        return { offset: i, problem: `expected ':' after a property name, found ${charName(text, i)}` };
      i++;
      mode = 'value';
    } else {
      const top = stack.at(-1);
      if (top === undefined)
        return i < n
          ? { offset: i, problem: `${charName(text, i)} after the end of the JSON value` }
          : undefined;
      const c = text.charCodeAt(i);
      const close = top === 0x7b ? 0x7d : 0x5d;
      if (c === 0x2c) {
        i++;
        mode = top === 0x7b ? 'key' : 'value';
      } else if (c === close) {
        i++;
        stack.pop();
      } else
        return {
          offset: i,
          problem: `expected ',' or '${top === 0x7b ? '}' : ']'}', found ${charName(text, i)}`,
        };
    }
  }
}

/** yaml's error codes in words; its own messages quote the text around the error. */
const YAML_PROBLEMS: Record<string, string> = {
  ALIAS_PROPS: 'an alias cannot carry a tag or an anchor',
  BAD_ALIAS: 'an alias refers to an anchor that is not defined before it',
  BAD_COLLECTION_TYPE: 'a tag does not fit its collection',
  BAD_DIRECTIVE: 'an unknown or malformed % directive',
  BAD_DQ_ESCAPE: 'an invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'wrong indentation',
  BAD_PROP_ORDER: 'an anchor and a tag in the wrong order',
  BAD_SCALAR_START: 'a value that cannot start with this character unquoted (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping on one line (put it on its own lines, indented)',
  BLOCK_IN_FLOW: 'a block collection inside [ ] or { }',
  DUPLICATE_KEY: 'a key that appears twice in the same mapping',
  IMPOSSIBLE: 'a construct the YAML parser cannot read',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a missing closing quote, bracket or brace',
  MULTILINE_IMPLICIT_KEY: 'a key that spans several lines (a missing ":" or wrong indentation?)',
  MULTIPLE_ANCHORS: 'two anchors on one node',
  MULTIPLE_DOCS: 'more than one document (---) in the file',
  MULTIPLE_TAGS: 'two tags on one node',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'too many aliases: the file expands beyond the allowed size',
  TAB_AS_INDENT: 'a tab used for indentation (use spaces)',
  TAG_RESOLVE_FAILED: 'an unknown tag (!...)',
  UNEXPECTED_TOKEN: 'unexpected text (check the indentation and the ":" after each key)',
};

/** An error of the yaml library as an AppError naming the file, line, column and problem. */
export function yamlError(err: unknown, file: string): AppError {
  const e = err as Partial<YAMLError>;
  const at = e.linePos?.[0];
  let problem = e.code !== undefined ? YAML_PROBLEMS[e.code] : undefined;
  // Raised while resolving aliases (after parsing): no code and no position.
  if (problem === undefined && err instanceof ReferenceError)
    problem = /alias count|resource exhaustion/i.test(err.message)
      ? YAML_PROBLEMS.RESOURCE_EXHAUSTION
      : YAML_PROBLEMS.BAD_ALIAS;
  return new AppError(
    ErrorCode.BAD_FILE,
    `${file} is not valid YAML: ${at ? `line ${at.line}, column ${at.col}: ` : ''}${problem ?? 'syntax error'}`,
    at ? { path: file, line: at.line, column: at.col } : { path: file },
    { cause: err },
  );
}
