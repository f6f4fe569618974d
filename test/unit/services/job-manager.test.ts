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

  it('replaces metrics with each update, so a value left out is not carried along', async () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    const j = jobs.start('train', async (ctx) => {
      ctx.progress({ phase: 'epoch 1 (validated)', metrics: { loss: 1, valDice: 0.5 } });
      ctx.progress({ phase: 'epoch 2', metrics: { loss: 0.8 } });
    });
    expect((await jobs.wait(j.jobId)).metrics).toEqual({ loss: 0.8 });
  });

  it('sends a new phase at once but throttles updates within one phase', async () => {
    const events: AppEvent[] = [];
    const jobs = new JobManager((e) => events.push(e), createNullLogger());
    const j = jobs.start('steps', async (ctx) => {
      for (let i = 1; i <= 50; i++) ctx.progress({ phase: 'stage A', done: i, total: 50 });
      ctx.progress({ phase: 'stage B', done: 0, total: 0 });
    });
    await jobs.wait(j.jobId);
    const phases = events.flatMap((e) => (e.type === 'job' ? [e.job.phase] : []));
    expect(phases.filter((p) => p === 'stage A').length).toBeLessThan(5);
    expect(phases).toContain('stage B');
  });

  it('counts the ETA from the start of the current counter, not of the job', async () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    let etaInB: number | undefined;
    const j = jobs.start('stages', async (ctx) => {
      ctx.progress({ phase: 'A', done: 0, total: 2 });
      await new Promise((r) => setTimeout(r, 1500));
      ctx.progress({ done: 2 }); // A took 1.5 s
      ctx.progress({ phase: 'B', done: 0, total: 100 });
      await new Promise((r) => setTimeout(r, 600));
      ctx.progress({ done: 50 });
      etaInB = jobs.list()[0]!.etaSeconds;
    });
    await jobs.wait(j.jobId);
    // 50 of 100 in ~0.6 s: ~0.6 s left (counting from the job's start would give ~2.1 s).
    expect(etaInB).toBeDefined();
    expect(etaInB!).toBeLessThanOrEqual(1);
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
