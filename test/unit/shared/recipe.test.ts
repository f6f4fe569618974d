import { describe, expect, it } from 'vitest';
import { DEFAULT_FUSION, DEFAULT_POST, epochsFor, RECIPE, usesTta } from '../../../shared/recipe.js';
import { fusionSchema, postSchema } from '../../../shared/recipe-schema.js';
import { transferSpecSchema } from '../../../shared/transfer.js';

const minimal = { teachers: ['t.json'], transferal: { images: 'img' }, out: 'out' };

describe('the one declaration of fusion and the training recipe', () => {
  it('the plain defaults are what the schemas fill in', () => {
    expect(fusionSchema.parse({})).toEqual(DEFAULT_FUSION);
    expect(postSchema.parse({})).toEqual(DEFAULT_POST);
    expect(DEFAULT_FUSION.method).toBe('auto');
  });

  it('a run spec gets automatic fusion, steps-sized training and no fixed channels by default', () => {
    const s = transferSpecSchema.parse(minimal);
    expect(s.fusion).toEqual(DEFAULT_FUSION);
    expect(s.post).toEqual(DEFAULT_POST);
    expect(s.student.steps).toBe(RECIPE.steps.default);
    expect(s.student.epochs).toBeUndefined();
    expect(s.student.channels).toBeUndefined();
    expect(s.student.batchSize).toBe(RECIPE.batchSize.default);
    expect(s.student.valFraction).toBe(RECIPE.valFraction.default);
    expect(s.seed).toBe(RECIPE.seed.default);
  });

  it('one set of limits: the spec refuses what the API refuses (the copies used to disagree)', () => {
    const bad = (student: object) => transferSpecSchema.safeParse({ ...minimal, student }).success;
    expect(bad({ batchSize: RECIPE.batchSize.max })).toBe(true);
    expect(bad({ batchSize: RECIPE.batchSize.max + 1 })).toBe(false); // was allowed up to 1024
    expect(bad({ valFraction: RECIPE.valFraction.max })).toBe(true);
    expect(bad({ valFraction: 0.9 })).toBe(false); // was allowed up to 0.9
    expect(bad({ valFraction: 0 })).toBe(false); // a run needs validation data to stop on
    expect(bad({ channels: 2 })).toBe(false);
    expect(bad({ channels: 3 })).toBe(true);
    expect(bad({ steps: 0 })).toBe(false);
  });

  it('the fusion threshold is open on both ends everywhere', () => {
    for (const t of [0, 1]) expect(fusionSchema.safeParse({ threshold: t }).success).toBe(false);
    expect(fusionSchema.safeParse({ threshold: 0.01 }).success).toBe(true);
    expect(fusionSchema.safeParse({ method: 'median' }).success).toBe(false);
  });

  it('test-time augmentation is on for auto unless turned off, off otherwise unless turned on', () => {
    expect(usesTta({ method: 'auto' })).toBe(true);
    expect(usesTta({ method: 'auto', tta: false })).toBe(false);
    expect(usesTta({ method: 'mean' })).toBe(false);
    expect(usesTta({ method: 'staple', tta: true })).toBe(true);
  });

  it('a training length in steps becomes whole epochs; epochs, when given, win', () => {
    expect(epochsFor({ steps: 2000 }, 49)).toBe(41);
    expect(epochsFor({ steps: 10 }, 100)).toBe(1);
    expect(epochsFor({ steps: 2000, epochs: 20 }, 49)).toBe(20);
    expect(epochsFor({}, 1000)).toBe(Math.ceil(RECIPE.steps.default / 1000));
  });
});
