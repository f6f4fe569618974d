/** The learning-rate schedule: linear warm-up, then cosine decay to the minimum. */
import type { TrainOptions } from './types.js';

/**
 * `timeFraction` (elapsed / budget) advances the decay when a time budget, not the epoch count, ends the
 * run, so the rate still anneals within the budget.
 */
export function learningRateAt(
  o: Pick<TrainOptions, 'learningRate' | 'minLearningRate' | 'warmupSteps'>,
  step: number,
  totalSteps: number,
  timeFraction = 0,
): number {
  if (o.warmupSteps > 0 && step < o.warmupSteps) return o.learningRate * (0.1 + (0.9 * step) / o.warmupSteps);
  const span = Math.max(1, totalSteps - o.warmupSteps);
  const t = Math.min(1, Math.max((step - o.warmupSteps) / span, timeFraction));
  return o.minLearningRate + 0.5 * (o.learningRate - o.minLearningRate) * (1 + Math.cos(Math.PI * t));
}
