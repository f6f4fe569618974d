import { describe, expect, it } from 'vitest';
import { JobManager } from '../../../electron/services/job-manager.js';
import { createNullLogger } from '../../../electron/services/logger.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { AppEvent } from '../../../shared/events.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('job manager', () => {
  it('reports progress and the result of a job', async () => {
    const events: AppEvent[] = [];
    const jobs = new JobManager((e) => events.push(e), createNullLogger());
    const started = jobs.start('count', async (ctx) => {
      ctx.progress({ phase: 'counting', total: 3 });
      for (let i = 1; i <= 3; i++) {
        await tick();
        ctx.progress({ done: i, metrics: { value: i * 10 } });
      }
      return { counted: 3 };
    });
    expect(started.state).toBe('running');
    const final = await jobs.wait(started.jobId);
    expect(final).toMatchObject({
      state: 'done',
      done: 3,
      total: 3,
      result: { counted: 3 },
      metrics: { value: 30 },
    });
    const jobEvents = events.flatMap((e) => (e.type === 'job' ? [e.job] : []));
    expect(jobEvents[0]?.phase).toBe('starting');
    expect(jobEvents.at(-1)?.state).toBe('done');
    expect(jobEvents.some((j) => j.phase === 'counting')).toBe(true);
  });

  it('cancels a running job through its signal', async () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    const j = jobs.start('endless', async (ctx) => {
      for (;;) {
        ctx.throwIfCancelled();
        await tick();
      }
    });
    await tick();
    jobs.cancel(j.jobId);
    expect(await jobs.wait(j.jobId)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
  });

  it('records a structured error when a job fails, without a stack in the payload', async () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    const j = jobs.start('bad', async () => {
      throw new AppError(ErrorCode.BAD_FILE, 'broken.dcm: truncated', { path: 'broken.dcm' });
    });
    const done = await jobs.wait(j.jobId);
    expect(done.state).toBe('failed');
    expect(done.error).toEqual({
      code: 'BAD_FILE',
      message: 'broken.dcm: truncated',
      detail: { path: 'broken.dcm' },
    });
    const k = jobs.start('bug', async () => {
      throw new Error('null pointer at line 3');
    });
    const bug = await jobs.wait(k.jobId);
    expect(bug.error?.code).toBe('INTERNAL');
    expect(bug.error?.message).not.toMatch(/line 3/);
  });

  it('refuses to cancel an unknown job', () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    expect(() => jobs.cancel('nope')).toThrow(/No job/);
  });
});
