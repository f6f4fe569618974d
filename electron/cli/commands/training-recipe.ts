/**
 * What `apprentice train` and `apprentice finetune` share: the recipe flags (their limits and defaults
 * read from shared/recipe.ts, the one declaration the API, the run spec and the forms also use), the
 * training request on folders, the job run and the printed result.
 */
import { resolve } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { TrainRunSummary } from '../../../shared/jobs.js';
import { FINETUNE, minLearningRate, RECIPE } from '../../../shared/recipe.js';
import { DEFAULT_AUGMENT } from '../../students/augment.js';
import type { TrainJobRequest } from '../../students/run.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../../students/trainer.js';
import { startTraining } from '../../services/student-service.js';
import type { CliIo } from '../command.js';
import { num, requireFlag } from '../flags.js';
import { runJob, withServices } from '../run-job.js';

/** Training-recipe flags shared by train and finetune. */
export const RECIPE_OPTIONS = {
  images: { type: 'string' },
  masks: { type: 'string' },
  out: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  'min-lr': { type: 'string' },
  warmup: { type: 'string' },
  patience: { type: 'string' },
  seed: { type: 'string' },
  'no-augment': { type: 'boolean' },
  vflip: { type: 'boolean' },
  'soft-labels': { type: 'boolean' },
  'val-fraction': { type: 'string' },
  'case-regex': { type: 'string' },
  folds: { type: 'string' },
  fold: { type: 'string' },
  'max-minutes': { type: 'string' },
  'steps-per-epoch': { type: 'string' },
  teachers: { type: 'string' },
  name: { type: 'string' },
  resume: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type RecipeValues = {
  [K in keyof typeof RECIPE_OPTIONS]?: (typeof RECIPE_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

/** The recipe a command starts from: a new student's, or fine-tuning's (lower peak, no warm-up). */
export type RecipeDefaults = Pick<TrainOptions, 'epochs' | 'learningRate' | 'warmupSteps' | 'patience'>;

export const TRAIN_DEFAULTS: RecipeDefaults = {
  epochs: RECIPE.epochs.default,
  learningRate: RECIPE.learningRate.default,
  warmupSteps: RECIPE.warmupSteps.default,
  patience: RECIPE.patience.default,
};

export const FINETUNE_DEFAULTS: RecipeDefaults = {
  epochs: FINETUNE.epochs.default,
  learningRate: FINETUNE.learningRate.default,
  warmupSteps: FINETUNE.warmupSteps,
  patience: FINETUNE.patience,
};

/** The help lines of the recipe flags, with the defaults the command starts from. */
export function recipeHelp(d: RecipeDefaults): string[] {
  const r = RECIPE;
  return [
    '  --images DIR         training images (PNG/JPEG/TIFF/DICOM/NIfTI: first slice), paired with masks by file name',
    '  --masks DIR          masks (0 = background, non-zero = foreground; with --soft-labels value/255 = probability)',
    '  --out DIR            output folder: checkpoints/, model/ (best model, TF.js layers) and training.json',
    `  --epochs N           epochs (default ${d.epochs}; ${r.epochs.min}-${r.epochs.max})`,
    `  --batch N            batch size (default ${r.batchSize.default}; ${r.batchSize.min}-${r.batchSize.max})`,
    `  --lr X               peak learning rate of Adam (default ${d.learningRate})`,
    `  --min-lr X           the cosine schedule decays to this (default ${minLearningRate(d.learningRate)})`,
    `  --warmup N           linear warm-up steps (default ${d.warmupSteps})`,
    `  --patience N         stop after N epochs without a better validation Dice (default ${d.patience}; 0 = never)`,
    `  --seed N             seed of shuffling, augmentation and initialisation (default ${r.seed.default})`,
    '  --no-augment         no augmentation (default: flips, +-10 deg rotation, +-10% scale, intensity jitter)',
    '  --vflip              also flip vertically',
    '  --soft-labels        train on probabilities (mask value / 255) with soft-label BCE',
    `  --val-fraction F     fraction of cases held out for validation (default ${r.valFraction.default}; ${r.valFraction.min}-${r.valFraction.max})`,
    '  --case-regex RE      regex on the file name whose first group is the case/patient id (default: file name)',
    '  --folds CSV --fold K a k-fold file (columns ID, kFold): fold K is the validation set',
    '  --max-minutes M      training budget: the last epoch is cut short so that training ends within M minutes',
    '  --steps-per-epoch N  cap the steps per epoch',
    '  --teachers A,B       teachers whose pseudo-labels the masks are (recorded for the model card)',
    "  --name NAME          the student's name (default: the output folder name)",
    '  --resume             continue from the latest checkpoint in OUT/checkpoints',
    '  --json               print one JSON object with the result as the last line',
  ];
}

/** The training options and validation split the recipe flags ask for, checked against RECIPE's limits. */
export function recipeFrom(
  v: RecipeValues,
  defaults: RecipeDefaults = TRAIN_DEFAULTS,
  targetMode: TrainOptions['targetMode'] = DEFAULT_TRAIN_OPTIONS.targetMode,
): { options: TrainOptions; split: TrainJobRequest['split'] } {
  const r = RECIPE;
  const learningRate = num(v.lr, 'lr', defaults.learningRate, {
    above: r.learningRate.min,
    max: r.learningRate.max,
  });
  const options: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    epochs: num(v.epochs, 'epochs', defaults.epochs, { int: true, ...r.epochs }),
    batchSize: num(v.batch, 'batch', r.batchSize.default, { int: true, ...r.batchSize }),
    learningRate,
    minLearningRate: num(v['min-lr'], 'min-lr', minLearningRate(learningRate), { min: 0, max: learningRate }),
    warmupSteps: num(v.warmup, 'warmup', defaults.warmupSteps, { int: true, ...r.warmupSteps }),
    patience: num(v.patience, 'patience', defaults.patience, { int: true, ...r.patience }),
    seed: num(v.seed, 'seed', r.seed.default, { int: true, ...r.seed }),
    augment: v['no-augment'] ? null : { ...DEFAULT_AUGMENT, vflip: v.vflip === true },
    targetMode: v['soft-labels'] ? 'soft' : targetMode,
    maxSeconds:
      v['max-minutes'] === undefined ? null : num(v['max-minutes'], 'max-minutes', 0, { above: 0 }) * 60,
    stepsPerEpoch:
      v['steps-per-epoch'] === undefined
        ? null
        : num(v['steps-per-epoch'], 'steps-per-epoch', 0, { int: true, min: 1 }),
  };
  if (v.folds !== undefined && v.fold === undefined)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, '--folds needs --fold K');
  const split: TrainJobRequest['split'] =
    v.folds !== undefined
      ? { foldsFile: resolve(v.folds), fold: num(v.fold, 'fold', 0, { int: true }) }
      : { valFraction: num(v['val-fraction'], 'val-fraction', r.valFraction.default, r.valFraction) };
  return { options, split };
}

/** A training request on --images/--masks into --out, for `model` (a zoo config or a model to continue). */
export function folderTrainRequest(
  v: RecipeValues,
  model: TrainJobRequest['model'],
  recipe: { options: TrainOptions; split: TrainJobRequest['split'] },
): TrainJobRequest {
  if (v['case-regex']) {
    try {
      new RegExp(v['case-regex']);
    } catch {
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `--case-regex is not a valid regular expression: ${v['case-regex']}`,
      );
    }
  }
  const out = resolve(requireFlag(v.out, 'out'));
  const teachers = v.teachers
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return {
    name: v.name ?? out.split(/[\\/]/).filter(Boolean).at(-1) ?? 'student',
    data: {
      kind: 'folders',
      images: resolve(requireFlag(v.images, 'images')),
      masks: resolve(requireFlag(v.masks, 'masks')),
      ...(v['case-regex'] ? { caseRegex: v['case-regex'] } : {}),
    },
    model,
    ...recipe,
    outDir: out,
    resume: v.resume === true,
    ...(teachers?.length ? { teachers } : {}),
  };
}

/** Runs a training request as a job, drawing progress; returns the result. */
export function runTrainJob(request: TrainJobRequest, io: CliIo, json: boolean): Promise<TrainRunSummary> {
  return withServices((services) =>
    runJob(services, io, () => startTraining(services.jobs, request), {
      lines: !json,
      stopped: `Stopped; resume with --resume (checkpoints in ${request.outDir})`,
    }),
  );
}

/** Prints a finished run: one line per fact, or one JSON object (--json). Returns the exit status. */
export function reportTraining(r: TrainRunSummary, io: CliIo, json: boolean): number {
  const summary = {
    name: r.name,
    out: r.outDir,
    model: r.modelDir,
    params: r.params,
    epochs: r.epochsRun,
    best_epoch: r.bestEpoch,
    val_dice: r.bestValDice,
    val_iou: r.bestValIou,
    stopped_early: r.stoppedEarly,
    time_budget_hit: r.timeBudgetHit,
    resumed_from_epoch: r.resumedFromEpoch,
    seconds: Math.round(r.seconds * 10) / 10,
    train_images: r.trainImages,
    val_images: r.valImages,
    train_cases: r.trainCases,
    val_cases: r.valCases,
    unpaired: r.unpaired,
    history: r.history,
  };
  if (json) io.stdout(JSON.stringify(summary));
  else {
    io.stdout(
      `Trained ${r.name}: ${r.epochsRun} epoch(s) in ${summary.seconds} s; best validation Dice ${r.bestValDice?.toFixed(4) ?? 'n/a'} (epoch ${r.bestEpoch ?? '-'})`,
    );
    io.stdout(`  model: ${r.modelDir}`);
    if (r.unpaired.length)
      io.stdout(`  ${r.unpaired.length} image(s) without a mask were left out, e.g. ${r.unpaired[0]}`);
  }
  return 0;
}
