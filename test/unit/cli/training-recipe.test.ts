// The recipe flags of train and finetune read their limits and defaults from shared/recipe.ts, the one
// declaration the API schema, the run spec and the forms use: a value the API refuses, the CLI refuses.
import { describe, expect, it } from 'vitest';
import {
  FINETUNE_DEFAULTS,
  recipeFrom,
  recipeHelp,
  TRAIN_DEFAULTS,
} from '../../../electron/cli/commands/training-recipe.js';
import { FINETUNE, minLearningRate, RECIPE } from '../../../shared/recipe.js';
import { recipeFields } from '../../../shared/recipe-schema.js';

describe('recipe flags', () => {
  it('default to the shared recipe, and fine-tuning to the transfer stage’s recipe', () => {
    const train = recipeFrom({});
    expect(train.options).toMatchObject({
      epochs: RECIPE.epochs.default,
      batchSize: RECIPE.batchSize.default,
      learningRate: RECIPE.learningRate.default,
      minLearningRate: minLearningRate(RECIPE.learningRate.default),
      warmupSteps: RECIPE.warmupSteps.default,
      patience: RECIPE.patience.default,
      seed: RECIPE.seed.default,
    });
    expect(train.split).toEqual({ valFraction: RECIPE.valFraction.default });
    const tune = recipeFrom({}, FINETUNE_DEFAULTS);
    expect(tune.options).toMatchObject({
      epochs: FINETUNE.epochs.default,
      learningRate: FINETUNE.learningRate.default,
      minLearningRate: minLearningRate(FINETUNE.learningRate.default),
      warmupSteps: 0,
      patience: FINETUNE.patience,
    });
    expect(recipeHelp(FINETUNE_DEFAULTS).join('\n')).toContain(`(default ${FINETUNE.learningRate.default})`);
    expect(recipeHelp(TRAIN_DEFAULTS).join('\n')).toContain(`(default ${RECIPE.epochs.default};`);
  });

  it.each([
    ['batch', String(RECIPE.batchSize.max + 1), 'batchSize', RECIPE.batchSize.max + 1],
    ['batch', '0', 'batchSize', 0],
    ['val-fraction', String(RECIPE.valFraction.max + 0.1), 'valFraction', RECIPE.valFraction.max + 0.1],
    ['val-fraction', '0', 'valFraction', 0],
    ['epochs', String(RECIPE.epochs.max + 1), 'epochs', RECIPE.epochs.max + 1],
    ['lr', '0', 'learningRate', 0],
    ['patience', '-1', 'patience', -1],
  ] as const)('refuse --%s %s, as the API schema does', (flag, raw, field, value) => {
    expect(() => recipeFrom({ [flag]: raw })).toThrow(new RegExp(`^--${flag} must be`));
    expect(recipeFields[field].safeParse(value).success).toBe(false);
  });

  it('accept the limits themselves, as the API schema does', () => {
    const v = {
      batch: String(RECIPE.batchSize.max),
      'val-fraction': String(RECIPE.valFraction.min),
      epochs: String(RECIPE.epochs.max),
    };
    const { options, split } = recipeFrom(v);
    expect(options.batchSize).toBe(RECIPE.batchSize.max);
    expect(options.epochs).toBe(RECIPE.epochs.max);
    expect(split).toEqual({ valFraction: RECIPE.valFraction.min });
    expect(recipeFields.batchSize.safeParse(options.batchSize).success).toBe(true);
  });

  it('refuse a floor above the peak, and garbage numbers', () => {
    expect(() => recipeFrom({ lr: '0.001', 'min-lr': '0.01' })).toThrow(
      /--min-lr must be a number >= 0 and <= 0.001/,
    );
    expect(() => recipeFrom({ seed: '1.5' })).toThrow(/--seed must be an integer/);
    expect(() => recipeFrom({ epochs: 'ten' })).toThrow(/--epochs must be an integer/);
    expect(() => recipeFrom({ epochs: '' })).toThrow(/--epochs must be an integer/);
    expect(() => recipeFrom({ folds: 'f.csv' })).toThrow(/--folds needs --fold K/);
  });
});
