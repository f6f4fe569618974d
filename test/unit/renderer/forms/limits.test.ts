// A number field says a value is wrong exactly when the API and the run spec would refuse it: each
// field's rule (renderer/src/forms/limits.ts) is held against the schema it feeds, at and around its
// limits, between them, off whole numbers and on values that are no number at all.
import { describe, expect, it } from 'vitest';
import { fusionSchema, postSchema, recipeFields } from '../../../../shared/recipe-schema.js';
import {
  LIMITS,
  expectedText,
  numberProblem,
  type NumberLimit,
} from '../../../../renderer/src/forms/limits.js';

const accepts: Record<keyof typeof LIMITS, (v: number) => boolean> = {
  size: (v) => recipeFields.size.safeParse(v).success,
  steps: (v) => recipeFields.steps.safeParse(v).success,
  epochs: (v) => recipeFields.epochs.safeParse(v).success,
  batchSize: (v) => recipeFields.batchSize.safeParse(v).success,
  learningRate: (v) => recipeFields.learningRate.safeParse(v).success,
  patience: (v) => recipeFields.patience.safeParse(v).success,
  valFraction: (v) => recipeFields.valFraction.safeParse(v).success,
  seed: (v) => recipeFields.seed.safeParse(v).success,
  finetuneEpochs: (v) => recipeFields.finetuneEpochs.safeParse(v).success,
  finetuneLearningRate: (v) => recipeFields.finetuneLearningRate.safeParse(v).success,
  weight: (v) => fusionSchema.safeParse({ weights: [v] }).success,
  minIslandSize: (v) => postSchema.safeParse({ minIslandSize: v }).success,
};

function probes(l: NumberLimit): number[] {
  const span = l.max - l.min;
  return [
    l.min,
    l.max,
    l.min - 1,
    l.min - 1e-3,
    l.min + 1e-3,
    l.max - 1e-3,
    l.max + 1e-3,
    l.max + 1,
    l.min + span / 2,
    Math.floor(l.min + span / 3) + 0.5,
    NaN,
    Infinity,
    -Infinity,
  ];
}

describe('number field limits', () => {
  it.each(Object.keys(LIMITS) as (keyof typeof LIMITS)[])('%s refuses what its schema refuses', (key) => {
    const limit: NumberLimit = LIMITS[key];
    for (const v of probes(limit))
      expect([v, numberProblem(v, limit) === null]).toEqual([v, accepts[key](v)]);
  });

  it('says what it takes, in words', () => {
    expect(numberProblem(0, LIMITS.epochs)).toBe('must be a whole number from 1 to 10,000');
    expect(numberProblem(0, LIMITS.learningRate)).toBe('must be a number above 0 and at most 1');
    expect(numberProblem(NaN, LIMITS.valFraction)).toBe('must be a number from 0.05 to 0.5');
    expect(expectedText(LIMITS.seed)).toBe('a whole number from 0 to 2,147,483,647');
    expect(numberProblem(LIMITS.size.min, LIMITS.size)).toBeNull();
  });
});
