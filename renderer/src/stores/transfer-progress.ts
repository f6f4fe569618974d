/**
 * What the Transfer screen shows of a running transfer, folded from its job's progress events. Each event
 * carries the metrics of its moment only; counters belong to the stage that last set them (a stage
 * without counters reports 0/0), and the stage's own rate gives its ETA (the job's spans every stage).
 * A training epoch's validation Dice arrives with its validated event (detail.train.validated).
 */
import type { JobOf, JobState } from '../../../shared/jobs.js';
import type { TransferStage } from '../../../shared/transfer.js';

export type TrainingStage = Extract<TransferStage, 'train' | 'finetune'>;
export type StageStatus = 'pending' | 'running' | 'done' | 'stopped';

export interface RunProgress {
  stages: TransferStage[];
  /** 1-based position of the stage running now; 0 until an event names one. */
  current: number;
  /** The stage whose done/total the job holds now, and when and where that stage began counting. */
  counts: { stage: number; done: number; total: number; since: number; from: number };
  /** Seconds left in the current stage, from its own rate (the job's ETA spans every stage's time). */
  eta: number | undefined;
  /** Mean epoch loss by step, per training stage. */
  loss: Record<TrainingStage, [number, number][]>;
  /** Validation Dice by epoch, the last value heard for each. */
  dice: Record<TrainingStage, [number, number][]>;
  /** The epoch each training stage is in. */
  epoch: Record<TrainingStage, number>;
}

export function newRun(stages: TransferStage[]): RunProgress {
  return {
    stages,
    current: 0,
    counts: { stage: 0, done: 0, total: 0, since: 0, from: 0 },
    eta: undefined,
    loss: { train: [], finetune: [] },
    dice: { train: [], finetune: [] },
    epoch: { train: 0, finetune: 0 },
  };
}

const isTraining = (s: TransferStage | undefined): s is TrainingStage => s === 'train' || s === 'finetune';

/**
 * The run of a transfer job seen mid-way (a reload, another window), rebuilt from its report; null while
 * the job has not said which stages it runs.
 */
export function runOfJob(job: JobOf<'transfer'>, now: number): RunProgress | null {
  return job.detail ? applyProgress(newRun(job.detail.stages), job, now) : null;
}

/** The run after one more event of its job (`now` in ms, for the stage's rate). */
export function applyProgress(run: RunProgress, job: JobOf<'transfer'>, now: number): RunProgress {
  const current = job.detail?.stage ?? run.current;
  let counts = run.counts;
  let eta = counts.stage === current ? run.eta : undefined;
  if (job.done !== counts.done || job.total !== counts.total) {
    const restart = counts.stage !== current || job.total !== counts.total || job.done < counts.done;
    counts = restart
      ? { stage: current, done: job.done, total: job.total, since: now, from: job.done }
      : { ...counts, done: job.done };
    if (restart) eta = undefined;
  }
  if (counts.stage === current && counts.done > counts.from && now > counts.since)
    eta = Math.round(
      ((now - counts.since) / (counts.done - counts.from) / 1000) * (counts.total - counts.done),
    );
  const next: RunProgress = { ...run, current, counts, eta };

  // A training stage's steps carry the student's numbers; a validated epoch its Dice.
  const stage = run.stages[current - 1];
  const t = job.detail?.train;
  if (isTraining(stage) && t) {
    const epoch = t.epoch;
    next.epoch = { ...run.epoch, [stage]: epoch };
    const loss = run.loss[stage];
    if (loss.at(-1)?.[0] !== job.done) next.loss = { ...run.loss, [stage]: [...loss, [job.done, t.loss]] };
    if (t.validated && t.valDice !== undefined) {
      const dice = run.dice[stage].filter(([e]) => e !== epoch);
      next.dice = { ...run.dice, [stage]: [...dice, [epoch, t.valDice]] };
    }
  }
  return next;
}

/** Validation Dice of the validated epochs of a training stage. */
export function diceCurve(run: RunProgress, stage: TrainingStage): [number, number][] {
  return run.dice[stage];
}

/** Each stage of the run: done, running, stopped (the job failed or was cancelled there) or pending. */
export function stageStatuses(
  run: RunProgress,
  state: JobState,
): { stage: TransferStage; status: StageStatus }[] {
  return run.stages.map((stage, k) => {
    const i = k + 1;
    let status: StageStatus = 'pending';
    if (state === 'done' || i < run.current) status = 'done';
    else if (i === run.current) status = state === 'running' || state === 'queued' ? 'running' : 'stopped';
    return { stage, status };
  });
}

/** How far the current stage is (0..1), or null when its counters are not known (yet). */
export function stageFraction(run: RunProgress): number | null {
  const c = run.counts;
  return c.stage === run.current && c.total > 0 ? Math.min(1, c.done / c.total) : null;
}
