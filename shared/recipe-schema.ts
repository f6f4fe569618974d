/**
 * The zod schemas of the fusion, post-processing and training settings, built from the one declaration
 * of their names, defaults and limits in recipe.ts. Used by the API schemas and the transfer run spec.
 */
import { z } from 'zod';
import {
  DEFAULT_FUSION_METHOD,
  FINETUNE,
  FUSION_LIMITS,
  FUSION_METHODS,
  POST_LIMITS,
  RECIPE,
  type FusionSettings,
  type PostSettings,
} from './recipe.js';

export const fusionSchema = z
  .object({
    method: z.enum(FUSION_METHODS).default(DEFAULT_FUSION_METHOD),
    /** One per teacher, for 'weighted'. */
    weights: z
      .array(z.number().finite().min(0).max(FUSION_LIMITS.maxWeight))
      .max(FUSION_LIMITS.maxTeachers)
      .optional(),
    /** Foreground when the fused probability > threshold; 'auto' chooses its own per image. */
    threshold: z
      .number()
      .gt(FUSION_LIMITS.threshold.min)
      .lt(FUSION_LIMITS.threshold.max)
      .default(FUSION_LIMITS.threshold.default),
    /**
     * Run each teacher on test-time-augmented views too (flip, zoom out, zoom in) and average them back.
     * Unset: on for 'auto', off otherwise.
     */
    tta: z.boolean().optional(),
  })
  .strict();

export const postSchema = z
  .object({
    largestComponent: z.boolean().default(false),
    fillHoles: z.boolean().default(false),
    minIslandSize: z.number().int().min(0).max(POST_LIMITS.maxIslandSize).default(0),
  })
  .strict();

const int = (r: { min: number; max: number }) => z.number().int().min(r.min).max(r.max);

/** Field schemas of the recipe, composed by the API, the run spec and the CLI. */
export const recipeFields = {
  size: int(RECIPE.size),
  width: int(RECIPE.width),
  depth: int(RECIPE.depth),
  steps: int(RECIPE.steps),
  epochs: int(RECIPE.epochs),
  batchSize: int(RECIPE.batchSize),
  learningRate: z.number().gt(RECIPE.learningRate.min).max(RECIPE.learningRate.max),
  patience: int(RECIPE.patience),
  valFraction: z.number().min(RECIPE.valFraction.min).max(RECIPE.valFraction.max),
  seed: int(RECIPE.seed),
  channels: z.union([z.literal(1), z.literal(3)]),
  finetuneEpochs: int(FINETUNE.epochs),
  finetuneLearningRate: z.number().gt(FINETUNE.learningRate.min).max(FINETUNE.learningRate.max),
} as const;

// The schemas and the plain types of recipe.ts describe the same objects.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const fusionMatches: Same<z.output<typeof fusionSchema>, FusionSettings> = true;
const postMatches: Same<z.output<typeof postSchema>, PostSettings> = true;
void fusionMatches;
void postMatches;
