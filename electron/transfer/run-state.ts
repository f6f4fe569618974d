/**
 * The ledger of a transfer run (OUT/transfer-state.json): which stages finished, with their results, and
 * a fingerprint of the spec. Running the same spec into the same folder again continues after the last
 * finished stage (training itself resumes from its checkpoint); a different spec is refused rather than
 * mixed into another run's outputs, unless the earlier run finished no stage (a run that failed at once,
 * e.g. on a broken teacher card, leaves nothing worth keeping, so it does not block the folder). Written
 * atomically after every stage, so a kill loses at most the stage in progress.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import {
  TRANSFER_STAGES,
  type EarlierRunConflict,
  type TransferSpec,
  type TransferStage,
} from '../../shared/transfer.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readJsonText } from '../util/text-file.js';

export const STATE_FILE = 'transfer-state.json';
/** The spec of the run in OUT, as it ran (absolute paths): loading it continues that run. */
export const SPEC_FILE = 'spec.json';
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

  /**
   * Opens (or starts) the ledger in `out`; `fresh` discards an earlier run's ledger. A ledger of another
   * spec is replaced when its run finished no stage, and refused (with an EarlierRunConflict as the
   * error's detail, so a screen can offer the choices) when it did.
   */
  static open(out: string, spec: TransferSpec, fresh: boolean): RunState {
    const file = join(out, STATE_FILE);
    const spec16 = specFingerprint(spec);
    if (!fresh) {
      const earlier = readLedger(out);
      if (earlier?.spec === spec16) return new RunState(file, earlier);
      if (earlier) {
        const finished = finishedStages(earlier);
        if (finished.length) throw differentSpecError(out, finished);
      }
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

/** The ledger in `out`, or null when there is none; a damaged one is refused, naming it. */
function readLedger(out: string): StateFile | null {
  const file = join(out, STATE_FILE);
  if (!existsSync(file)) return null;
  const damaged = (why: string) => {
    const conflict: EarlierRunConflict = { conflict: 'damaged-ledger', out, finished: [], spec: null };
    return new AppError(ErrorCode.BAD_FILE, `${file} ${why}: start afresh with --fresh`, {
      path: file,
      field: 'out',
      ...conflict,
    });
  };
  let state: StateFile;
  try {
    state = readJsonText(file, 'a transfer ledger') as StateFile;
  } catch (err) {
    // readJsonText's error names the line and column without quoting the ledger: keep it, minus the path.
    if (err instanceof AppError && err.message.startsWith(`${file} `))
      throw damaged(err.message.slice(file.length + 1));
    throw damaged(`is damaged (${(err as Error).message})`);
  }
  if (
    typeof state !== 'object' ||
    state === null ||
    state.version !== VERSION ||
    typeof state.stages !== 'object' ||
    state.stages === null
  )
    throw damaged('is not a transfer ledger this version can read');
  return state;
}

function finishedStages(state: StateFile): TransferStage[] {
  return TRANSFER_STAGES.filter((s) => state.stages[s] !== undefined);
}

function differentSpecError(out: string, finished: TransferStage[]): AppError {
  const spec = join(out, SPEC_FILE);
  const conflict: EarlierRunConflict = {
    conflict: 'different-spec',
    out,
    finished,
    spec: existsSync(spec) ? spec : null,
  };
  return new AppError(
    ErrorCode.ALREADY_EXISTS,
    `${out} holds an earlier run of a different spec (finished: ${finished.join(', ')}): continue it` +
      (conflict.spec ? ` (--spec ${conflict.spec})` : '') +
      ', start over in this folder (--fresh), or choose another output folder',
    { path: out, field: 'out', ...conflict },
  );
}

/**
 * Whether running `spec` into `out` would be refused because of an earlier run there (without writing
 * anything): the service asks before it starts a job, so the screen can offer the choices at once.
 */
export function checkEarlierRun(out: string, spec: TransferSpec): void {
  const earlier = readLedger(out);
  if (!earlier || earlier.spec === specFingerprint(spec)) return;
  const finished = finishedStages(earlier);
  if (finished.length) throw differentSpecError(out, finished);
}

/** True when `out` holds a ledger of another spec that finished nothing: it will be replaced. */
export function replacesUnfinishedRun(out: string, spec: TransferSpec): boolean {
  const earlier = readLedger(out);
  return earlier !== null && earlier.spec !== specFingerprint(spec) && finishedStages(earlier).length === 0;
}

/**
 * The stages a run of `spec` in `out` has finished, read without writing anything (a shard job must not
 * touch the ledger its siblings and the fusing run share); none when the ledger is another spec's.
 */
export function finishedStagesOf(out: string, spec: TransferSpec): TransferStage[] {
  const earlier = readLedger(out);
  return earlier && earlier.spec === specFingerprint(spec) ? finishedStages(earlier) : [];
}
