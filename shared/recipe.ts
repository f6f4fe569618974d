/**
 * The one declaration of how teachers' maps become labels (fusion, post-processing) and how a student is
 * trained (the recipe): names, defaults and limits. The API schemas and the transfer run spec
 * (recipe-schema.ts builds their zod from these), the CLI flags and the Train / Transfer / Teachers
 * screens all read them, so a default or a limit is changed here and nowhere else. No zod here: the
 * renderer imports this file and its bundle stays free of it.
 */

// ---- Fusion -------------------------------------------------------------------------------------------

/**
 *   auto      label-free: each teacher's test-time-augmentation mean, weighted by its agreement with the
 *             others over the whole image set, cut at each image's own Otsu threshold (the default; why:
 *             README "Label-free fusion", `npm run bench:fusion`)
 *   mean      plain mean probability, cut at `threshold`
 *   weighted  weighted mean (weights >= 0, normalized), cut at `threshold`
 *   vote      fraction of teachers whose own mask (p > 0.5) says foreground, cut at `threshold`
 *   staple    STAPLE (Warfield et al. 2004) over the teachers' masks, posterior cut at `threshold`
 */
export const FUSION_METHODS = ['auto', 'mean', 'weighted', 'vote', 'staple'] as const;
export type FusionMethod = (typeof FUSION_METHODS)[number];
export const DEFAULT_FUSION_METHOD: FusionMethod = 'auto';

export const FUSION_METHOD_LABELS: Record<FusionMethod, string> = {
  auto: 'Automatic (label-free)',
  mean: 'Mean probability',
  weighted: 'Weighted mean',
  vote: 'Majority vote',
  staple: 'STAPLE',
};

/** One sentence per method, for the forms' help text. */
export const FUSION_METHOD_HELP: Record<FusionMethod, string> = {
  auto: 'Weighs each teacher by how well it agrees with the others over all images, averages their test-time-augmented maps and cuts each image at its own (Otsu) threshold. Needs no label.',
  mean: 'The mean of the teachers’ probabilities, cut at the threshold.',
  weighted: 'A weighted mean of the teachers’ probabilities (your weights), cut at the threshold.',
  vote: 'The fraction of teachers that call a pixel foreground, cut at the threshold.',
  staple:
    'STAPLE: estimates each teacher’s sensitivity and specificity from their masks; its posterior is cut at the threshold.',
};

/** Limits of the fusion settings, for forms and flags. */
export const FUSION_LIMITS = {
  maxTeachers: 32,
  maxWeight: 1000,
  /** The threshold is open on both ends: 0 would make every pixel foreground, 1 none. */
  threshold: { min: 0, max: 1, default: 0.5 },
} as const;

/** Fusion settings with every default filled in (the run spec's `fusion`). */
export interface FusionSettings {
  method: FusionMethod;
  /** One per teacher, for 'weighted'. */
  weights?: number[];
  /** Foreground when the fused probability > threshold; 'auto' chooses its own per image. */
  threshold: number;
  /** Also run each teacher on test-time-augmented views (flip, zoom out, zoom in); unset: on for 'auto' only. */
  tta?: boolean;
}
export type FusionSettingsInput = Partial<FusionSettings>;
export const DEFAULT_FUSION: FusionSettings = {
  method: DEFAULT_FUSION_METHOD,
  threshold: FUSION_LIMITS.threshold.default,
};

/** Whether teachers run with test-time augmentation under these settings. */
export const usesTta = (f: Pick<FusionSettings, 'method' | 'tta'>): boolean => f.tta ?? f.method === 'auto';

// ---- Post-processing ----------------------------------------------------------------------------------

export const POST_LIMITS = { maxIslandSize: 1_000_000 } as const;

export interface PostSettings {
  largestComponent: boolean;
  fillHoles: boolean;
  minIslandSize: number;
}
export const DEFAULT_POST: PostSettings = { largestComponent: false, fillHoles: false, minIslandSize: 0 };

// ---- The training recipe ------------------------------------------------------------------------------

/** Limits and defaults of every training setting (forms show them; flags and the API check them). */
export const RECIPE = {
  size: { min: 16, max: 1024, default: 128 },
  width: { min: 1, max: 512 },
  depth: { min: 1, max: 6 },
  /**
   * Training length. A run trains for `steps` optimizer steps (rounded up to whole epochs), so a small
   * transferal set is not under-trained by a fixed epoch count; `epochs`, when given, replaces it.
   */
  steps: { min: 1, max: 10_000_000, default: 2000 },
  /** Runs counted in epochs (the Train screen, `apprentice train`) default to this many. */
  epochs: { min: 1, max: 10_000, default: 30 },
  batchSize: { min: 1, max: 256, default: 8 },
  learningRate: { min: 0, max: 1, default: 2e-3 },
  /** Linear warm-up of the learning rate over the first steps. */
  warmupSteps: { min: 0, max: 100_000, default: 20 },
  /** Epochs without a better validation Dice before stopping (0 = never). */
  patience: { min: 0, max: 10_000, default: 8 },
  /** Fraction of the cases held out to validate on. */
  valFraction: { min: 0.05, max: 0.5, default: 0.2 },
  seed: { min: 0, max: 2 ** 31 - 1, default: 1 },
} as const;

/**
 * The cosine schedule decays the learning rate from its peak to this fraction of it, for every run (the
 * floor of `apprentice train --min-lr` and of the transfer's stages).
 */
export const MIN_LEARNING_RATE_FRACTION = 0.01;
export const minLearningRate = (peak: number): number => peak * MIN_LEARNING_RATE_FRACTION;

/**
 * Fine-tuning a trained student on a few labeled images (the transfer's last stage, `apprentice
 * finetune`): a lower peak, no warm-up (the weights are already trained), the student's patience.
 */
export const FINETUNE = {
  epochs: { min: 1, max: 10_000, default: 20 },
  learningRate: { min: 0, max: 1, default: 5e-4 },
  warmupSteps: 0,
  patience: RECIPE.patience.default,
} as const;

/** Input channels of a student: grey, or RGB where the data and teachers are colour. */
export const STUDENT_CHANNELS = [1, 3] as const;
export type StudentChannels = (typeof STUDENT_CHANNELS)[number];

/**
 * Epochs to run for a training length: `epochs` when given, else enough whole epochs for `steps`
 * optimizer steps at `stepsPerEpoch` (at least one).
 */
export function epochsFor(length: { epochs?: number; steps?: number }, stepsPerEpoch: number): number {
  if (length.epochs !== undefined) return length.epochs;
  const steps = length.steps ?? RECIPE.steps.default;
  return Math.max(1, Math.ceil(steps / Math.max(1, stepsPerEpoch)));
}
