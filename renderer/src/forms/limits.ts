/**
 * The forms' number settings: their limits come from shared/recipe.ts, the one declaration the API and the
 * run spec check against (recipe-schema.ts); here is what a field adds to them: whole numbers or not,
 * whether the lowest value itself is refused, and the step of the field's arrows. Pure, with relative
 * imports, so that unit tests hold every field's rule against the schema's.
 */
import { FINETUNE, FUSION_LIMITS, POST_LIMITS, RECIPE } from '../../../shared/recipe.js';

export interface NumberLimit {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** `min` itself is refused (a learning rate of 0 learns nothing). */
  openMin?: boolean;
  /** What the field's arrows add; not a rule: any value within the limits is taken. */
  step?: number;
}

const whole = (r: { min: number; max: number }, step?: number): NumberLimit => ({
  min: r.min,
  max: r.max,
  integer: true,
  ...(step !== undefined ? { step } : {}),
});

/** Every number field of the Train, Transfer and Teachers forms. */
export const LIMITS = {
  size: whole(RECIPE.size, 16),
  steps: whole(RECIPE.steps, 100),
  epochs: whole(RECIPE.epochs),
  batchSize: whole(RECIPE.batchSize),
  learningRate: { min: RECIPE.learningRate.min, max: RECIPE.learningRate.max, openMin: true, step: 0.0005 },
  patience: whole(RECIPE.patience),
  valFraction: { min: RECIPE.valFraction.min, max: RECIPE.valFraction.max, step: 0.05 },
  seed: whole(RECIPE.seed),
  finetuneEpochs: whole(FINETUNE.epochs),
  finetuneLearningRate: {
    min: FINETUNE.learningRate.min,
    max: FINETUNE.learningRate.max,
    openMin: true,
    step: 0.0001,
  },
  weight: { min: 0, max: FUSION_LIMITS.maxWeight, step: 0.1 },
  minIslandSize: whole({ min: 0, max: POST_LIMITS.maxIslandSize }),
} as const satisfies Record<string, NumberLimit>;

const figure = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 6 });

/** The values a field takes, in words: "a whole number from 1 to 10,000". */
export function expectedText(l: NumberLimit): string {
  if (l.openMin) return `a number above ${figure(l.min)} and at most ${figure(l.max)}`;
  return `${l.integer ? 'a whole number' : 'a number'} from ${figure(l.min)} to ${figure(l.max)}`;
}

/** What is wrong with `value` ("must be …"), or null when the setting takes it; NaN is an empty field. */
export function numberProblem(value: number, l: NumberLimit): string | null {
  const ok =
    Number.isFinite(value) &&
    (l.openMin ? value > l.min : value >= l.min) &&
    value <= l.max &&
    (!l.integer || Number.isInteger(value));
  return ok ? null : `must be ${expectedText(l)}`;
}
