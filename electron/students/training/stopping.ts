/**
 * The end of an epoch in the run's state: its record in the history, the best validation Dice so far
 * and the count of epochs without a better one (early stopping), and why the run stops, if it does.
 */
import type { EpochRecord, RunState } from '../checkpoint.js';
import type { TrainOptions, TrainResult } from './types.js';

/** Records the epoch; true when it is the best so far (or nothing validates, so each epoch is "best"). */
export function recordEpoch(
  state: RunState,
  record: EpochRecord,
  scores: { dice: number; iou: number } | null,
): boolean {
  state.epoch = record.epoch;
  state.elapsedSeconds += record.seconds;
  state.history.push(record);
  const improved = scores !== null && (state.bestValDice === null || scores.dice > state.bestValDice);
  if (scores === null || improved) {
    state.bestValDice = scores?.dice ?? null;
    state.bestEpoch = record.epoch;
    state.badEpochs = 0;
  } else {
    state.badEpochs++;
  }
  return scores === null || improved;
}

type StopReason = Pick<TrainResult, 'timeBudgetHit' | 'stoppedEarly'>;

/** Why the run stops after this epoch (the budget, or patience run out), or null to go on. */
export function stopAfterEpoch(
  state: RunState,
  options: TrainOptions,
  budgetHit: boolean,
): StopReason | null {
  if (budgetHit) return { timeBudgetHit: true, stoppedEarly: false };
  if (options.patience > 0 && state.badEpochs >= options.patience)
    return { timeBudgetHit: false, stoppedEarly: true };
  return null;
}

/** Whether the budget is spent before an epoch starts. */
export function budgetSpent(state: RunState, options: TrainOptions): boolean {
  return options.maxSeconds !== null && state.elapsedSeconds >= options.maxSeconds;
}
