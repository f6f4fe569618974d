/**
 * Run specs from a file (JSON or YAML) or from an object (flags, the UI): validated against the one
 * schema in shared/transfer.ts, every path made absolute (a file's paths are relative to the file), so a
 * resolved spec means the same run wherever it is started from.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { transferSpecSchema, type TransferSpec } from '../../shared/transfer.js';
import { decodeTextFile, parseJsonText, yamlError } from '../util/text-file.js';

const MAX_SPEC_BYTES = 1 << 20;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(spec)'}: ${i.message}`)
    .join('; ');
}

/** Validates a spec object; `baseDir` anchors relative paths. `source` names it in errors. */
export function parseSpec(input: unknown, baseDir: string, source = 'run spec'): TransferSpec {
  const parsed = transferSpecSchema.safeParse(input);
  if (!parsed.success)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${source}: ${describeIssues(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  const s = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (s.caseRegex !== undefined)
    try {
      new RegExp(s.caseRegex);
    } catch (err) {
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `${source}: caseRegex is not a valid regular expression: ${(err as Error).message}`,
      );
    }
  if (s.fusion.method === 'weighted' && s.fusion.weights?.length !== s.teachers.length)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${source}: fusion "weighted" needs one weight per teacher (${s.teachers.length})`,
    );
  return {
    ...s,
    teachers: s.teachers.map(abs),
    transferal: {
      images: abs(s.transferal.images),
      ...(s.transferal.corrections ? { corrections: abs(s.transferal.corrections) } : {}),
    },
    ...(s.finetune
      ? { finetune: { ...s.finetune, images: abs(s.finetune.images), masks: abs(s.finetune.masks) } }
      : {}),
    ...(s.test ? { test: { images: abs(s.test.images), masks: abs(s.test.masks) } } : {}),
    out: abs(s.out),
  };
}

/** The raw object of a spec file, before validation (JSON, or YAML by extension or content). */
export function readSpecObject(file: string): Record<string, unknown> {
  const path = resolve(file);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new AppError(ErrorCode.NOT_FOUND, `Cannot read the run spec ${path}: ${(err as Error).message}`, {
      path,
    });
  }
  if (buf.length > MAX_SPEC_BYTES)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${path}: a run spec of ${buf.length} bytes is too large`,
      {
        path,
      },
    );
  const what = 'a run spec';
  const text = decodeTextFile(buf, path, what);
  let value: unknown;
  if (extname(path).toLowerCase() === '.json') value = parseJsonText(text, path);
  else {
    // YAML 1.2 is a superset of JSON. Errors are reported by position and kind: yaml's own messages
    // quote the spec's lines.
    const doc = parseDocument(text);
    if (doc.errors.length) throw yamlError(doc.errors[0], path);
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (err) {
      throw yamlError(err, path);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${path}: a run spec must be an object (key: value)`, {
      path,
    });
  return value as Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** `over` on top of `base`, merging nested objects key by key (flags override single settings). */
export function mergeSpec(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergeSpec(base[k], v) : v;
  }
  return out;
}

/** Loads a spec file; `overrides` (from flags) replace single settings of it. */
export function loadSpecFile(file: string, overrides: Record<string, unknown> = {}): TransferSpec {
  const path = resolve(file);
  const raw = readSpecObject(path);
  return parseSpec(mergeSpec(raw, overrides), dirname(path), path);
}
