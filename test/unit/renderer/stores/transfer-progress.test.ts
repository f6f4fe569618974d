// A transfer's progress events folded into stages, stage progress and learning curves, as the job
// manager builds them (each event's detail replaces the previous one; counters kept until set again).
import { describe, expect, it } from 'vitest';
import type { JobOf, TransferDetail } from '../../../../shared/jobs.js';
import { STAGE_ORDER } from '../../../../renderer/src/stores/transfer-form.js';
import {
  applyProgress,
  diceCurve,
  newRun,
  runOfJob,
  stageFraction,
  stageStatuses,
  type RunProgress,
} from '../../../../renderer/src/stores/transfer-progress.js';

const STAGES = ['pseudo-label', 'train', 'export', 'report'] as const;
/** Which stage, and the student's epoch, loss and (validated) Dice while it trains. */
type Moment = { stage: number; epoch?: number; loss?: number; valDice?: number };
const st = (stage: number): Moment => ({ stage });

/** The typed detail of a moment: a training step, or an epoch's validated end when it has a Dice. */
function detailOf(m: Moment, activity: string): TransferDetail {
  return {
    stages: [...STAGES],
    stage: m.stage,
    activity,
    ...(m.epoch !== undefined
      ? {
          train: {
            epoch: m.epoch,
            epochs: 2,
            step: 1,
            steps: 2,
            loss: m.loss ?? 0,
            learningRate: 1e-3,
            msPerStep: 5,
            validated: m.valDice !== undefined,
            ...(m.valDice !== undefined ? { valDice: m.valDice } : {}),
          },
        }
      : {}),
  };
}

/** Replays events the way the job manager builds them. */
function replay(
  run: RunProgress,
  events: { phase: string; done?: number; total?: number; metrics?: Moment; at?: number }[],
  state: JobOf<'transfer'>['state'] = 'running',
): RunProgress {
  const job: JobOf<'transfer'> = {
    jobId: 'j',
    kind: 'transfer',
    state,
    phase: '',
    done: 0,
    total: 0,
    startedAt: '',
  };
  for (const e of events) {
    job.phase = e.phase;
    if (e.done !== undefined) job.done = e.done;
    if (e.total !== undefined) job.total = e.total;
    if (e.metrics) job.detail = detailOf(e.metrics, e.phase);
    run = applyProgress(run, { ...job }, e.at ?? 0);
  }
  return run;
}

describe('transfer progress', () => {
  it('highlights the current stage and marks the ones before it done', () => {
    const run = replay(newRun([...STAGES]), [{ phase: '2/4 train: preparing', metrics: st(2) }]);
    expect(stageStatuses(run, 'running').map((s) => s.status)).toEqual([
      'done',
      'running',
      'pending',
      'pending',
    ]);
    expect(stageStatuses(run, 'failed')[1]!.status).toBe('stopped');
    expect(stageStatuses(run, 'done').every((s) => s.status === 'done')).toBe(true);
  });

  it("keeps a stage's counters to that stage and estimates its time from its own rate", () => {
    let run = replay(newRun([...STAGES]), [
      { phase: '1/4 pseudo-label: pseudo-labelling', done: 8, total: 8, metrics: st(1) },
      { phase: '2/4 train: preparing', metrics: st(2), at: 60_000 },
    ]);
    // Still 8/8 from pseudo-labelling: not the training's progress.
    expect(stageFraction(run)).toBeNull();
    expect(run.eta).toBeUndefined();
    run = replay(run, [
      {
        phase: '2/4 train: epoch 1/2',
        done: 1,
        total: 10,
        metrics: { ...st(2), epoch: 1, loss: 0.9 },
        at: 61_000,
      },
      {
        phase: '2/4 train: epoch 1/2',
        done: 3,
        total: 10,
        metrics: { ...st(2), epoch: 1, loss: 0.8 },
        at: 65_000,
      },
    ]);
    expect(stageFraction(run)).toBeCloseTo(0.3);
    expect(run.eta).toBe(14); // 2 s a step since the stage began counting, 7 steps left
  });

  it('charts loss per step and the Dice of each validated epoch', () => {
    const train = (done: number, epoch: number, extra: { valDice?: number } = {}) => ({
      phase: `2/4 train: epoch ${epoch}/2${extra.valDice !== undefined ? ' (validated)' : ''}`,
      done,
      total: 4,
      metrics: { ...st(2), epoch, loss: 1 / done, ...extra },
    });
    let run = replay(newRun([...STAGES]), [
      train(1, 1),
      train(2, 1),
      train(2, 1, { valDice: 0.4 }), // the epoch's checkpoint: same step, validated
      train(3, 2),
    ]);
    expect(run.loss.train).toEqual([
      [1, 1],
      [2, 0.5],
      [3, 1 / 3],
    ]);
    expect(diceCurve(run, 'train')).toEqual([[1, 0.4]]);
    run = replay(run, [
      train(4, 2),
      train(4, 2, { valDice: 0.6 }),
      { phase: '3/4 export: exporting TF.js + ONNX + card', metrics: st(3) },
    ]);
    expect(run.loss.train).toHaveLength(4);
    expect(diceCurve(run, 'train')).toEqual([
      [1, 0.4],
      [2, 0.6],
    ]);
  });

  it("rebuilds a running job's stages from its detail, or says it cannot yet", () => {
    const job: JobOf<'transfer'> = {
      jobId: 'j',
      kind: 'transfer',
      state: 'running',
      phase: '2/6 train: epoch 1/30',
      done: 3,
      total: 10,
      startedAt: '',
    };
    expect(runOfJob(job, 0)).toBeNull();
    const run = runOfJob(
      { ...job, detail: { stages: [...STAGE_ORDER], stage: 2, activity: 'epoch 1/30' } },
      0,
    );
    expect(run?.stages).toEqual(STAGE_ORDER);
    expect(run?.current).toBe(2);
    expect(stageStatuses(run!, 'running').map((s) => s.status)).toEqual([
      'done',
      'running',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
  });
});
