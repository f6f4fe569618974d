/**
 * A transferal set's pass 1 split into shards (a cluster job array: `--shard I/N`, one task each), and
 * what each shard leaves for the run that fuses them (`--shards N`): its teachers' maps beside the single
 * run's (OUT/pseudo-labels/maps/) and a manifest, OUT/pseudo-labels/shards/I-of-N.json, written last and
 * atomically, so its presence means the shard is complete. Shards are contiguous runs of the transferal
 * files in name order, numbered 1..N; any N works, one larger than the set gives empty shards. The
 * manifest names the spec (its fingerprint) and the files it covered, so the fusing run refuses shards
 * of another spec or of a folder that changed since, instead of training on a mixture.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readJsonText } from '../util/text-file.js';
import type { MappedImage } from '../teachers/labelling/maps-pass.js';
import { PSEUDO_DIR } from './pseudo-label.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** More shards than this is a typo, not a plan (Slurm's own array limit is 1001 unless raised). */
export const MAX_SHARDS = 100_000;

const WHOLE = /^[0-9]+$/;

/** The number of shards of `--shards N` (`flag` as written, for the message). */
export function parseShardCount(text: string, flag = '--shards'): number {
  const t = text.trim();
  const n = WHOLE.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_SHARDS)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${flag} must be a whole number of shards from 1 to ${MAX_SHARDS}, got "${text}"`,
    );
  return n;
}

/** `I/N` of `--shard I/N`: shard I (1..N) of N. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(text);
  if (!m)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${flag} must be I/N (shard I of N, numbered from 1; e.g. 3/8), got "${text}"`,
    );
  const count = parseShardCount(m[2]!, `${flag} ${text}: N`);
  const index = Number(m[1]);
  if (!Number.isSafeInteger(index) || index < 1 || index > count)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${flag} ${text}: the shard number must be from 1 to ${count} (shards are numbered from 1)`,
    );
  return { index, count };
}

/** Files [from, to) of `total` that shard I of N takes: contiguous, sizes differing by at most one. */
export function shardRange(total: number, shard: Shard): { from: number; to: number } {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`shardRange: bad total ${total}`);
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 1 || index > count)
    throw new RangeError(`shardRange: bad shard ${index}/${count}`);
  // Multiplying first keeps it exact for any total and count this program meets (well below 2^53).
  return { from: Math.floor(((index - 1) * total) / count), to: Math.floor((index * total) / count) };
}

export const SHARDS_DIR = 'shards';

export function shardFile(out: string, shard: Shard): string {
  return join(out, PSEUDO_DIR, SHARDS_DIR, `${shard.index}-of-${shard.count}.json`);
}

const FORMAT = 'apprentice-label-shard';
const VERSION = 1;
const count = z.number().int().min(0);

const manifestSchema = z
  .object({
    format: z.literal(FORMAT),
    version: z.literal(VERSION),
    /** The spec's fingerprint (run-state.ts specFingerprint). */
    spec: z.string().min(1).max(64),
    shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).strict(),
    /** The transferal files as this shard saw them: how many in all, where its range starts, its names. */
    files: z.object({ total: count, from: count, names: z.array(z.string().min(1).max(4096)) }).strict(),
    teachers: z.array(z.string().min(1).max(200)).min(1).max(64),
    images: count,
    failed: count,
    errors: z.array(
      z
        .object({
          image: z.string().max(4096),
          teacher: z.string().max(200).optional(),
          code: z.string().max(64),
          message: z.string().max(10_000),
        })
        .strict(),
    ),
    mapped: z.array(
      z
        .object({
          name: z.string().min(1).max(4096),
          rows: z
            .number()
            .int()
            .min(1)
            .max(1 << 16),
          cols: z
            .number()
            .int()
            .min(1)
            .max(1 << 16),
          scores: z.array(z.number().finite().min(0).max(1)).nullable(),
        })
        .strict(),
    ),
    seconds: z.number().min(0),
  })
  .strict();

export type ShardManifest = z.infer<typeof manifestSchema>;

export function newManifest(
  spec: string,
  shard: Shard,
  files: { total: number; from: number; names: string[] },
  teachers: string[],
  pass: { images: number; failed: number; errors: ShardManifest['errors']; mapped: MappedImage[] },
  seconds: number,
): ShardManifest {
  return { format: FORMAT, version: VERSION, spec, shard, files, teachers, ...pass, seconds };
}

/** A shard's manifest, read and checked for form; a damaged or foreign file is refused, naming it. */
export function readManifest(file: string): ShardManifest {
  let raw: unknown;
  try {
    raw = readJsonText(file, 'a shard manifest');
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(ErrorCode.BAD_FILE, `${file} cannot be read: ${(err as Error).message}`, {
      path: file,
    });
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${file} is not a shard output this version can read (${where}${issue.message})`,
      { path: file },
    );
  }
  return r.data;
}

/** What the fusing run takes from N shards, checked against each other, the spec and the folder. */
export interface ShardSet {
  teachers: string[];
  images: number;
  failed: number;
  errors: ShardManifest['errors'];
  /** Every image of the set in file order, as the single run walks it. */
  mapped: MappedImage[];
}

/**
 * The N shards' manifests of this spec in `out`, checked: every one there, of this spec, of these
 * teachers, and covering exactly its part of `files` (the transferal files now). Errors say which shard
 * to run again and how.
 */
export function collectShards(
  out: string,
  count: number,
  specPrint: string,
  files: readonly string[],
  fileName: (path: string) => string,
): ShardSet {
  const shards = Array.from({ length: count }, (_, k) => ({ index: k + 1, count }));
  const missing = shards.filter((s) => !existsSync(shardFile(out, s)));
  if (missing.length) {
    const list =
      missing.length > 10
        ? `${missing.slice(0, 10).map(label).join(', ')}, ...`
        : missing.map(label).join(', ');
    throw new AppError(
      ErrorCode.FAILED_PRECONDITION,
      `${missing.length} of ${count} shard(s) have no output in ${join(out, PSEUDO_DIR, SHARDS_DIR)} (${list}): ` +
        `run apprentice transfer --spec SPEC --shard I/${count} for each (e.g. --shard ${label(missing[0]!)})`,
      { path: shardFile(out, missing[0]!) },
    );
  }
  const names = files.map(fileName);
  const set: ShardSet = { teachers: [], images: 0, failed: 0, errors: [], mapped: [] };
  const seen = new Set<string>();
  for (const shard of shards) {
    const file = shardFile(out, shard);
    const m = readManifest(file);
    const again = `run it again: apprentice transfer --spec SPEC --shard ${label(shard)}`;
    if (m.shard.index !== shard.index || m.shard.count !== shard.count)
      throw new AppError(
        ErrorCode.BAD_FILE,
        `${file} holds shard ${m.shard.index}/${m.shard.count}, not ${label(shard)}: ${again}`,
        { path: file },
      );
    if (m.spec !== specPrint)
      throw new AppError(
        ErrorCode.FAILED_PRECONDITION,
        `${file} was written by another spec (${m.spec}; this spec is ${specPrint}): ${again}`,
        { path: file },
      );
    if (set.teachers.length === 0) set.teachers = m.teachers;
    else if (m.teachers.join('\n') !== set.teachers.join('\n'))
      throw new AppError(
        ErrorCode.FAILED_PRECONDITION,
        `${file} has teachers ${m.teachers.join(', ')}, shard 1/${count} ${set.teachers.join(', ')}: ${again}`,
        { path: file },
      );
    const { from, to } = shardRange(names.length, shard);
    const expected = names.slice(from, to);
    if (
      m.files.total !== names.length ||
      m.files.from !== from ||
      m.files.names.length !== expected.length ||
      m.files.names.some((n, k) => n !== expected[k])
    )
      throw new AppError(
        ErrorCode.FAILED_PRECONDITION,
        `The transferal folder changed since shard ${label(shard)} ran (it saw ${m.files.total} file(s), ` +
          `${m.files.names.length} of them its own; now ${names.length}, ${expected.length} of them its own): ${again}`,
        { path: file },
      );
    for (const img of m.mapped)
      if (img.scores !== null && img.scores.length !== m.teachers.length)
        throw new AppError(
          ErrorCode.BAD_FILE,
          `${file}: image ${img.name} has ${img.scores.length} agreement score(s) for ${m.teachers.length} teacher(s): ${again}`,
          { path: file },
        );
    for (const img of m.mapped) {
      if (seen.has(img.name))
        throw new AppError(
          ErrorCode.BAD_FILE,
          `${file}: image ${img.name} is in another shard too: ${again}`,
          { path: file },
        );
      seen.add(img.name);
    }
    set.images += m.images;
    set.failed += m.failed;
    set.errors.push(...m.errors);
    set.mapped.push(...m.mapped);
  }
  return set;
}

function label(s: Shard): string {
  return `${s.index}/${s.count}`;
}
