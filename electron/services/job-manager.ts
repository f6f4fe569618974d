/**
 * Long jobs (import, pseudo-labelling, training...): each gets an id, reports progress as events, can be
 * cancelled, and ends done/failed/cancelled with a structured error or its kind's result (shared/jobs.ts).
 * The work itself runs wherever the job's function puts it (a worker thread for heavy compute); this
 * class only tracks it.
 */
import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import type { JobKind, JobOf, JobProgress, JobResult } from '../../shared/jobs.js';
import type { AppEvent } from '../../shared/events.js';
import type { Logger } from './logger.js';
import type { JobContext, JobUpdate } from '../util/job-context.js';

export type { JobContext, JobUpdate };

/** The work of a job of kind K: reports progress on ctx and returns the kind's result. */
export type JobFn<K extends JobKind> = (ctx: JobContext<K>) => Promise<JobResult<K>>;

/** Progress events are throttled to this interval per job; state changes are always sent at once. */
const EVENT_INTERVAL_MS = 100;
/** Finished jobs kept for listJobs(). */
const KEEP_FINISHED = 50;

export class JobManager {
  private readonly jobs = new Map<
    string,
    { progress: JobProgress; abort: AbortController; done: Promise<JobProgress> }
  >();

  constructor(
    private readonly emit: (event: AppEvent) => void,
    private readonly log: Logger,
  ) {}

  start<K extends JobKind>(kind: K, fn: JobFn<K>): JobOf<K> {
    const jobId = randomUUID();
    const abort = new AbortController();
    const startedMs = Date.now();
    const progress: JobOf<K> = {
      jobId,
      kind,
      state: 'running',
      phase: 'starting',
      done: 0,
      total: 0,
      startedAt: new Date(startedMs).toISOString(),
    };
    let lastEmit = 0;
    // The ETA counts from when the current counter started (a job of several stages counts anew in each).
    let eta = { ms: startedMs, done: 0, total: 0 };
    const send = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastEmit < EVENT_INTERVAL_MS) return;
      lastEmit = now;
      this.emit({ type: 'job', job: snapshot(progress) as JobProgress });
    };
    const ctx: JobContext<K> = {
      jobId,
      signal: abort.signal,
      progress: (u) => {
        const phaseChanged = u.phase !== undefined && u.phase !== progress.phase;
        if (u.phase !== undefined) progress.phase = u.phase;
        if (u.done !== undefined) progress.done = u.done;
        if (u.total !== undefined) progress.total = u.total;
        // The detail describes this moment: a value the update leaves out is no longer current.
        if (u.detail !== undefined) progress.detail = u.detail;
        const now = Date.now();
        if (progress.total !== eta.total || progress.done < eta.done)
          eta = { ms: now, done: progress.done, total: progress.total };
        const elapsed = (now - eta.ms) / 1000;
        const counted = progress.done - eta.done;
        if (counted > 0 && progress.total > progress.done && elapsed > 0.5)
          progress.etaSeconds = Math.round((elapsed / counted) * (progress.total - progress.done));
        else if (progress.total <= progress.done || progress.total === 0) delete progress.etaSeconds;
        // A new phase goes out at once; updates within a phase at most every EVENT_INTERVAL_MS.
        send(phaseChanged);
      },
      throwIfCancelled: () => {
        if (abort.signal.aborted) throw new AppError(ErrorCode.CANCELLED, `Job ${kind} was cancelled`);
      },
      notice: (message) => {
        if (progress.notices?.includes(message)) return;
        progress.notices = [...(progress.notices ?? []), message];
        this.log.warn(`Job ${jobId} (${kind}): ${message}`);
        send(true);
      },
    };
    this.log.info(`Job ${jobId} (${kind}) started`);
    send(true);
    const done = (async () => {
      try {
        const result = await fn(ctx);
        ctx.throwIfCancelled();
        progress.state = 'done';
        progress.result = result;
        this.log.info(`Job ${jobId} (${kind}) done`, { ...result });
      } catch (err) {
        const e = toAppError(err);
        progress.state = e.code === ErrorCode.CANCELLED ? 'cancelled' : 'failed';
        progress.error = e.toPayload();
        if (progress.state === 'failed') this.log.error(`Job ${jobId} (${kind}) failed: ${e.message}`, err);
        else this.log.info(`Job ${jobId} (${kind}) cancelled`);
      }
      progress.finishedAt = new Date().toISOString();
      delete progress.etaSeconds;
      send(true);
      this.prune();
      return snapshot(progress);
    })();
    this.jobs.set(jobId, { progress: progress as JobProgress, abort, done: done as Promise<JobProgress> });
    return snapshot(progress);
  }

  list(): JobProgress[] {
    return [...this.jobs.values()].map((j) => snapshot(j.progress));
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new AppError(ErrorCode.NOT_FOUND, `No job with id ${jobId}`, { jobId });
    if (job.progress.state === 'running' || job.progress.state === 'queued') job.abort.abort();
  }

  /**
   * Resolves when the job has finished, whatever the outcome, with its last report: of the started job's
   * kind when given the job start() returned.
   */
  wait<K extends JobKind>(started: JobOf<K>): Promise<JobOf<K>>;
  wait(jobId: string): Promise<JobProgress>;
  wait(job: string | JobProgress): Promise<JobProgress> {
    const jobId = typeof job === 'string' ? job : job.jobId;
    const entry = this.jobs.get(jobId);
    if (!entry)
      return Promise.reject(new AppError(ErrorCode.NOT_FOUND, `No job with id ${jobId}`, { jobId }));
    return entry.done;
  }

  /** Cancels everything still running and waits for it: used on shutdown. */
  async shutdown(): Promise<void> {
    for (const j of this.jobs.values()) j.abort.abort();
    await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
  }

  private prune(): void {
    const finished = [...this.jobs.entries()].filter(([, j]) => j.progress.finishedAt !== undefined);
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(id);
  }
}

/** A copy to send or hand out: later updates must not change a report already given. */
function snapshot<J extends JobProgress | JobOf<JobKind>>(job: J): J {
  return {
    ...job,
    ...(job.detail !== undefined ? { detail: structuredClone(job.detail) } : {}),
    ...(job.notices !== undefined ? { notices: [...job.notices] } : {}),
  };
}
