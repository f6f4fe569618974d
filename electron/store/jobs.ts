import { AppError, ErrorCode } from '../../shared/errors.js';
import { type Db, checkEnum, checkId, checkText, nowIso, parseJson, toJson } from './sqlite.js';

export const JOB_STATES = ['queued', 'running', 'interrupted', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
const FINAL: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface Job {
  id: number;
  /** e.g. 'inference', 'fusion', 'training', 'evaluation', 'export'. */
  kind: string;
  params: Record<string, unknown>;
  /** 'interrupted': was running when the app stopped (crash, kill); resumable from `cursor`. */
  state: JobState;
  phase: string | null;
  done: number;
  total: number | null;
  error: { code: string; message: string } | null;
  /** Where to resume: the job defines it (next image id, epoch + optimizer checkpoint hash...). */
  cursor: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Long-job bookkeeping: what ran, how far it got, how it ended, and where to resume. */
export class Jobs {
  constructor(private readonly db: Db) {}

  create(kind: string, params: Record<string, unknown> = {}): Job {
    const r = this.db.run(
      `INSERT INTO jobs (kind, params_json, state, created_at) VALUES (?, ?, 'queued', ?)`,
      [checkText(kind, 'job kind', 100), toJson(params, 'job params'), nowIso()],
    );
    return this.get(Number(r.lastInsertRowid));
  }

  get(id: number): Job {
    const row = this.db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [checkId(id, 'job id')]);
    if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND, `No job with id ${id}`, { jobId: id });
    return toJob(row);
  }

  list(filter: { state?: JobState; kind?: string } = {}): Job[] {
    return this.db
      .all<JobRow>(
        'SELECT * FROM jobs WHERE (@state IS NULL OR state = @state) AND (@kind IS NULL OR kind = @kind) ORDER BY id',
        {
          state: filter.state ?? null,
          kind: filter.kind ?? null,
        },
      )
      .map(toJob);
  }

  /** queued or interrupted -> running. */
  start(id: number): Job {
    const job = this.get(id);
    if (job.state !== 'queued' && job.state !== 'interrupted')
      throw new AppError(ErrorCode.FAILED_PRECONDITION, `Job ${id} is ${job.state}: it cannot start`, {
        jobId: id,
      });
    this.db.run(
      `UPDATE jobs SET state = 'running', started_at = ifnull(started_at, ?), error_json = NULL WHERE id = ?`,
      [nowIso(), id],
    );
    return this.get(id);
  }

  /** Records progress, and optionally the resume cursor in the same commit (so they never disagree). */
  progress(
    id: number,
    p: { done: number; total?: number | null; phase?: string | null; cursor?: unknown },
  ): void {
    const cursor = p.cursor === undefined ? undefined : toJson(p.cursor, 'job cursor');
    const r = this.db.run(
      `UPDATE jobs SET progress_done = ?, progress_total = ifnull(?, progress_total), phase = ifnull(?, phase),
         cursor_json = ifnull(?, cursor_json) WHERE id = ? AND state = 'running'`,
      [p.done, p.total ?? null, p.phase ?? null, cursor ?? null, checkId(id, 'job id')],
    );
    if (r.changes === 0)
      throw new AppError(ErrorCode.FAILED_PRECONDITION, `Job ${id} is not running`, { jobId: id });
  }

  finish(
    id: number,
    state: 'succeeded' | 'failed' | 'cancelled',
    error?: { code: string; message: string },
  ): Job {
    checkEnum(state, FINAL, 'final job state');
    const job = this.get(id);
    if (FINAL.includes(job.state))
      throw new AppError(ErrorCode.FAILED_PRECONDITION, `Job ${id} already ${job.state}`, { jobId: id });
    this.db.run('UPDATE jobs SET state = ?, error_json = ?, finished_at = ? WHERE id = ?', [
      state,
      error === undefined ? null : toJson({ code: error.code, message: error.message }, 'job error'),
      nowIso(),
      id,
    ]);
    return this.get(id);
  }

  /** At open: jobs left 'running' by a process that is gone are marked interrupted (resumable). */
  markInterrupted(): number {
    return this.db.run(`UPDATE jobs SET state = 'interrupted' WHERE state = 'running'`).changes;
  }
}

interface JobRow {
  id: number;
  kind: string;
  params_json: string;
  state: JobState;
  phase: string | null;
  progress_done: number;
  progress_total: number | null;
  error_json: string | null;
  cursor_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    params: parseJson(r.params_json),
    state: r.state,
    phase: r.phase,
    done: r.progress_done,
    total: r.progress_total,
    error: r.error_json === null ? null : parseJson(r.error_json),
    cursor: r.cursor_json === null ? null : parseJson(r.cursor_json),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
