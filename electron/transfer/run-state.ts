/**
 * The ledger of a transfer run (OUT/transfer-state.json): which stages finished, with their results, and
 * a fingerprint of the spec. Running the same spec into the same folder again continues after the last
 * finished stage (training itself resumes from its checkpoint); a different spec is refused rather than
 * mixed into another run's outputs. Written atomically after every stage, so a kill loses at most the
 * stage in progress.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TransferSpec, TransferStage } from '../../shared/transfer.js';
import { writeFileAtomic } from '../store/atomic-write.js';

export const STATE_FILE = 'transfer-state.json';
const VERSION = 1;

interface StateFile {
  version: number;
  spec: string;
  stages: Partial<Record<TransferStage, { finishedAt: string; result: unknown }>>;
}

/** A stable fingerprint: key order does not matter, every value does. */
export function specFingerprint(spec: TransferSpec): string {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canon(spec)))
    .digest('hex')
    .slice(0, 16);
}

export class RunState {
  private constructor(
    private readonly file: string,
    private readonly state: StateFile,
  ) {}

  /** Opens (or starts) the ledger in `out`; `fresh` discards an earlier run's ledger. */
  static open(out: string, spec: TransferSpec, fresh: boolean): RunState {
    const file = join(out, STATE_FILE);
    const spec16 = specFingerprint(spec);
    if (!fresh && existsSync(file)) {
      let state: StateFile;
      try {
        state = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
      } catch (err) {
        throw new AppError(
          ErrorCode.BAD_FILE,
          `${file} is damaged (${(err as Error).message}): start afresh with --fresh`,
          { path: file },
        );
      }
      if (state.version !== VERSION || typeof state.stages !== 'object' || state.stages === null)
        throw new AppError(ErrorCode.BAD_FILE, `${file} is not a transfer ledger this version can read`, {
          path: file,
        });
      if (state.spec !== spec16)
        throw new AppError(
          ErrorCode.ALREADY_EXISTS,
          `${out} holds a run of a different spec: choose another output folder, or start afresh with --fresh`,
          { path: out },
        );
      return new RunState(file, state);
    }
    const state: StateFile = { version: VERSION, spec: spec16, stages: {} };
    writeFileAtomic(file, JSON.stringify(state, null, 1));
    return new RunState(file, state);
  }

  done(stage: TransferStage): boolean {
    return this.state.stages[stage] !== undefined;
  }

  result<T>(stage: TransferStage): T {
    const s = this.state.stages[stage];
    if (!s) throw new AppError(ErrorCode.INTERNAL, `stage ${stage} has not finished`);
    return s.result as T;
  }

  finish(stage: TransferStage, result: unknown): void {
    this.state.stages[stage] = { finishedAt: new Date().toISOString(), result };
    writeFileAtomic(this.file, JSON.stringify(this.state, null, 1));
  }
}
