import { describe, expect, it } from 'vitest';
import { JobManager } from '../../../electron/services/job-manager.js';
import { createNullLogger } from '../../../electron/services/logger.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { ImportSummary } from '../../../shared/dto.js';
import type { AppEvent } from '../../../shared/events.js';
import type { PseudoLabelSummary, TrainStepDetail } from '../../../shared/jobs.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** The result of an import of n slices. */
const imported = (n: number): ImportSummary => ({
  datasetId: 1,
  dataset: 'd',
  imported: n,
  duplicates: 0,
  withMasks: 0,
  stacks: n,
  skipped: [],
  warnings: [],
});
const labelled: PseudoLabelSummary = {
  jobId: 1,
  images: 3,
  mapsComputed: 3,
  mapsReused: 0,
  labelsWritten: 3,
  labelsReused: 0,
  failedImages: 0,
  errors: [],
  errorCount: 0,
  fusion: {
    method: 'mean',
    ttaViews: [],
    teachers: [{ name: 't', weight: 1, agreement: null }],
    weightsFrom: 'this-set',
    images: 3,
    threshold: { perImage: false, median: 0.5, min: 0.5, max: 0.5 },
    emptyImages: 0,
    why: 'Mean probability of 1 teacher(s) cut at 0.5, as chosen in the settings; 0 image(s) came out empty.',
  },
};
const SUMMARY = {
  n: 0,
  dice_mean: 0,
  iou_mean: 0,
  precision_mean: 0,
  recall_mean: 0,
  hd95_px_mean: null,
  hd95_px_n: 0,
  hd95_mm_mean: null,
  hd95_mm_n: 0,
  conventions: '',
};
const step = (epoch: number, extra: Partial<TrainStepDetail> = {}): TrainStepDetail => ({
  epoch,
  epochs: 2,
  step: 1,
  steps: 1,
  loss: 1 / epoch,
  learningRate: 1e-3,
  msPerStep: 5,
  validated: false,
  ...extra,
});

describe('job manager', () => {
  it('reports progress and the result of a job', async () => {
    const events: AppEvent[] = [];
    const jobs = new JobManager((e) => events.push(e), createNullLogger());
    const started = jobs.start('pseudo-label', async (ctx) => {
      ctx.progress({ phase: 'counting', total: 3 });
      for (let i = 1; i <= 3; i++) {
        await tick();
        ctx.progress({ done: i, detail: { failedImages: i * 10 } });
      }
      return labelled;
    });
    expect(started.state).toBe('running');
    const final = await jobs.wait(started);
    expect(final).toMatchObject({
      state: 'done',
      done: 3,
      total: 3,
      result: labelled,
      detail: { failedImages: 30 },
    });
    // Typed by the kind: the result is the pseudo-labelling summary, without a cast.
    expect(final.result?.labelsWritten).toBe(3);
    const jobEvents = events.flatMap((e) => (e.type === 'job' ? [e.job] : []));
    expect(jobEvents[0]?.phase).toBe('starting');
    expect(jobEvents.at(-1)?.state).toBe('done');
    expect(jobEvents.some((j) => j.phase === 'counting')).toBe(true);
  });

  it('replaces the detail with each update, so a value left out is not carried along', async () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    const j = jobs.start('evaluate', async (ctx) => {
      ctx.progress({ phase: 'evaluating', done: 1, total: 1 });
      return { summary: SUMMARY, cases: [], unpaired: [] };
    });
    expect((await jobs.wait(j)).result?.summary.n).toBe(0);
    const t = jobs.start('train', async (ctx) => {
      ctx.progress({ phase: 'epoch 1', detail: step(1, { validated: true, valDice: 0.5 }) });
      ctx.progress({ phase: 'epoch 2', detail: step(2) });
      throw new AppError(ErrorCode.CANCELLED, 'stopped');
    });
    const last = await jobs.wait(t);
    expect(last.detail).toEqual(step(2));
    expect(last.detail?.valDice).toBeUndefined();
  });

  it('hands out copies: a later update does not change a report already given', async () => {
    const events: AppEvent[] = [];
    const jobs = new JobManager((e) => events.push(e), createNullLogger());
    const t = jobs.start('finetune', async (ctx) => {
      const detail = step(1);
      ctx.progress({ phase: 'epoch 1', detail });
      detail.loss = 99;
      ctx.progress({ phase: 'epoch 1 (validated)', detail: { ...detail, validated: true } });
      throw new AppError(ErrorCode.CANCELLED, 'stopped');
    });
    await jobs.wait(t);
    const details = events.flatMap((e) =>
      e.type === 'job' && e.job.kind === 'finetune' ? [e.job.detail] : [],
    );
    expect(details.filter((d) => d !== undefined).map((d) => [d.loss, d.validated])).toEqual([
      [1, false],
      [99, true],
      [99, true],
    ]);
  });

  it('sends a new phase at once but throttles updates within one phase', async () => {
    const events: AppEvent[] = [];
    const jobs = new JobManager((e) => events.push(e), createNullLogger());
    const j = jobs.start('export-masks', async (ctx) => {
      for (let i = 1; i <= 50; i++) ctx.progress({ phase: 'stage A', done: i, total: 50 });
      ctx.progress({ phase: 'stage B', done: 0, total: 0 });
      return { outDir: '/out', format: 'png', files: [], skipped: [] };
    });
    await jobs.wait(j.jobId);
    const phases = events.flatMap((e) => (e.type === 'job' ? [e.job.phase] : []));
    expect(phases.filter((p) => p === 'stage A').length).toBeLessThan(5);
    expect(phases).toContain('stage B');
  });

  it('counts the ETA from the start of the current counter, not of the job', async () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    let etaInB: number | undefined;
    const j = jobs.start('import', async (ctx) => {
      ctx.progress({ phase: 'A', done: 0, total: 2 });
      await new Promise((r) => setTimeout(r, 1500));
      ctx.progress({ done: 2 }); // A took 1.5 s
      ctx.progress({ phase: 'B', done: 0, total: 100 });
      await new Promise((r) => setTimeout(r, 600));
      ctx.progress({ done: 50 });
      etaInB = jobs.list()[0]!.etaSeconds;
      return imported(2);
    });
    await jobs.wait(j.jobId);
    // 50 of 100 in ~0.6 s: ~0.6 s left (counting from the job's start would give ~2.1 s).
    expect(etaInB).toBeDefined();
    expect(etaInB!).toBeLessThanOrEqual(1);
  });

  it('cancels a running job through its signal', async () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    const j = jobs.start('transfer', async (ctx) => {
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
    const j = jobs.start('import', async () => {
      throw new AppError(ErrorCode.BAD_FILE, 'broken.dcm: truncated', { path: 'broken.dcm' });
    });
    const done = await jobs.wait(j.jobId);
    expect(done.state).toBe('failed');
    expect(done.error).toEqual({
      code: 'BAD_FILE',
      message: 'broken.dcm: truncated',
      detail: { path: 'broken.dcm' },
    });
    const k = jobs.start('export', async () => {
      throw new Error('null pointer at line 3');
    });
    const bug = await jobs.wait(k.jobId);
    expect(bug.error?.code).toBe('INTERNAL');
    expect(bug.error?.message).not.toMatch(/line 3/);
  });

  it('keeps each notice once on the job, sends it at once and logs it as a warning', async () => {
    const events: AppEvent[] = [];
    const warned: string[] = [];
    const log = { ...createNullLogger(), warn: (m: string) => void warned.push(m) };
    const jobs = new JobManager((e) => events.push(e), log);
    const started = jobs.start('pseudo-label', async (ctx) => {
      ctx.notice?.('teacher a: the webgpu provider failed (lost device); running on CPU');
      ctx.notice?.('teacher a: the webgpu provider failed (lost device); running on CPU');
      ctx.notice?.('teacher b: the cuda provider failed (no library); running on CPU');
      return labelled;
    });
    const final = await jobs.wait(started);
    const said = [
      'teacher a: the webgpu provider failed (lost device); running on CPU',
      'teacher b: the cuda provider failed (no library); running on CPU',
    ];
    expect(final.notices).toEqual(said);
    expect(warned).toEqual(said.map((m) => `Job ${started.jobId} (pseudo-label): ${m}`));
    // Not throttled: each notice is an event of its own, before the job ends.
    const jobEvents = events.flatMap((e) => (e.type === 'job' ? [e.job] : []));
    expect(jobEvents.map((j) => j.notices?.length ?? 0)).toEqual([0, 1, 2, 2]);
    expect(jobEvents[1]!.state).toBe('running');
  });

  it('refuses to cancel an unknown job', () => {
    const jobs = new JobManager(() => {}, createNullLogger());
    expect(() => jobs.cancel('nope')).toThrow(/No job/);
  });
});
