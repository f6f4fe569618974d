import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { DEFAULT_AUGMENT } from '../../students/augment.js';
import type { TrainJobRequest } from '../../students/run.js';
import type { TrainRunSummary } from '../../../shared/jobs.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../../students/trainer.js';
import { buildModel, describePresets, PRESETS, resolveConfig } from '../../engine/zoo/index.js';
import { listTrainingRuns, planTraining } from '../../services/student-api.js';
import type { ProjectStore } from '../../store/index.js';
import type { ArchConfig } from '../../engine/zoo/index.js';
import { STUDENT_LABEL_SOURCES, UNASSIGNED_SPLIT_POLICIES } from '../../../shared/dto.js';
import { describePlan } from '../../services/student-service.js';
import type { CliCommand, CliIo } from '../command.js';
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

export const RECIPE_HELP = [
  '  --images DIR         training images (PNG/JPEG/TIFF/DICOM/NIfTI: first slice), paired with masks by file name',
  '  --masks DIR          masks (0 = background, non-zero = foreground; with --soft-labels value/255 = probability)',
  '  --out DIR            output folder: checkpoints/, model/ (best model, TF.js layers) and training.json',
  '  --epochs N           epochs (default 30)',
  '  --batch N            batch size (default 8)',
  '  --lr X               peak learning rate of Adam (default 0.002)',
  '  --min-lr X           the cosine schedule decays to this (default 0.00002)',
  '  --warmup N           linear warm-up steps (default 20)',
  '  --patience N         stop after N epochs without a better validation Dice (default 8; 0 = never)',
  '  --seed N             seed of shuffling, augmentation and initialisation (default 1)',
  '  --no-augment         no augmentation (default: flips, +-10 deg rotation, +-10% scale, intensity jitter)',
  '  --vflip              also flip vertically',
  '  --soft-labels        train on probabilities (mask value / 255) with soft-label BCE',
  '  --val-fraction F     fraction of cases held out for validation (default 0.2)',
  '  --case-regex RE      regex on the file name whose first group is the case/patient id (default: file name)',
  '  --folds CSV --fold K a k-fold file (columns ID, kFold): fold K is the validation set',
  '  --max-minutes M      training budget: the last epoch is cut short so that training ends within M minutes',
  '  --steps-per-epoch N  cap the steps per epoch',
  '  --teachers A,B       teachers whose pseudo-labels the masks are (recorded for the model card)',
  "  --name NAME          the student's name (default: the output folder name)",
  '  --resume             continue from the latest checkpoint in OUT/checkpoints',
  '  --json               print one JSON object with the result as the last line',
];

type RecipeValues = {
  [K in keyof typeof RECIPE_OPTIONS]?: (typeof RECIPE_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

export function recipeFrom(
  v: RecipeValues,
  defaults: Partial<TrainOptions> = {},
): { options: TrainOptions; split: TrainJobRequest['split'] } {
  const d = { ...DEFAULT_TRAIN_OPTIONS, ...defaults };
  const options: TrainOptions = {
    ...d,
    epochs: num(v.epochs, 'epochs', d.epochs, { int: true, min: 1 }),
    batchSize: num(v.batch, 'batch', d.batchSize, { int: true, min: 1, max: 1024 }),
    learningRate: num(v.lr, 'lr', d.learningRate, { min: 0 }),
    minLearningRate: num(v['min-lr'], 'min-lr', d.minLearningRate, { min: 0 }),
    warmupSteps: num(v.warmup, 'warmup', d.warmupSteps, { int: true, min: 0 }),
    patience: num(v.patience, 'patience', d.patience, { int: true, min: 0 }),
    seed: num(v.seed, 'seed', d.seed, { int: true }),
    augment: v['no-augment'] ? null : { ...DEFAULT_AUGMENT, vflip: v.vflip === true },
    targetMode: v['soft-labels'] ? 'soft' : d.targetMode,
    maxSeconds:
      v['max-minutes'] === undefined ? null : num(v['max-minutes'], 'max-minutes', 0, { min: 0 }) * 60,
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
      : { valFraction: num(v['val-fraction'], 'val-fraction', 0.2, { min: 0, max: 0.9 }) };
  return { options, split };
}

/** Runs a training request as a job through the student service, drawing progress; returns the result. */
export async function runTrainJob(
  request: TrainJobRequest,
  io: CliIo,
  json: boolean,
): Promise<TrainRunSummary> {
  return withServices((services) =>
    runJob(services, io, () => services.students.train(request), {
      lines: !json,
      stopped: `Stopped; resume with --resume (checkpoints in ${request.outDir})`,
    }),
  );
}

/**
 * Trains on a dataset of a project, as the Train screen does: the assigned splits are honoured (test
 * images never train or validate), unassigned images follow --unassigned, and the run is recorded in
 * the project as a student. The images used are printed before training starts.
 */
async function trainOnProject(
  req: {
    project: string;
    dataset: string;
    labels: string | undefined;
    /** With labels 'probability': the name of the teacher whose probability maps are the soft labels. */
    teacher: string | undefined;
    unassigned: string | undefined;
    name: string | undefined;
    valFraction: number;
    config: ArchConfig;
    options: TrainOptions;
    resume: boolean;
  },
  io: CliIo,
  json: boolean,
): Promise<TrainRunSummary> {
  const labels = oneOf(req.labels ?? 'reviewed', STUDENT_LABEL_SOURCES, 'labels');
  const unassigned = oneOf(req.unassigned ?? 'split', UNASSIGNED_SPLIT_POLICIES, 'unassigned');
  return withServices(async (services) => {
    await services.api.openProject({ path: req.project });
    const store = services.projects.require();
    const dataset = store.datasets.byName(req.dataset);
    if (!dataset) {
      const names = store.datasets.list().map((d) => `"${d.name}"`);
      throw new AppError(
        ErrorCode.NOT_FOUND,
        `${req.project} has no dataset named "${req.dataset}"${names.length ? ` (it has ${names.join(', ')})` : ' (it has none)'}`,
        { dataset: req.dataset },
      );
    }
    const teacherId = labels === 'probability' ? softLabelTeacher(store, dataset, req.teacher) : undefined;
    const name = req.name ?? freshRunName(store);
    const selection = {
      datasetId: dataset.id,
      labels,
      ...(teacherId !== undefined ? { teacherId } : {}),
      unassigned,
      valFraction: req.valFraction,
    };
    if (!json) {
      const plan = planTraining(store, { ...selection, seed: req.options.seed });
      io.stdout(`Dataset "${dataset.name}" (${labels} labels): ${describePlan(plan)}`);
    }
    return runJob(
      services,
      io,
      () =>
        services.students.trainFromProject({
          ...selection,
          name,
          model: { kind: 'zoo', config: { ...req.config, seed: req.options.seed } },
          options: req.options,
          resume: req.resume,
        }),
      { lines: !json, stopped: `Stopped; resume with --resume --name ${name}` },
    );
  });
}

/**
 * The teacher named by --teacher, whose probability maps are the soft labels. Missing or unknown, the
 * error lists the teachers with maps of the dataset's images, as the Train screen offers them.
 */
function softLabelTeacher(
  store: ProjectStore,
  dataset: { id: number; name: string },
  teacherName: string | undefined,
): number {
  const teacher = teacherName === undefined ? undefined : store.teachers.byName(teacherName);
  if (teacher) return teacher.id;
  const withMaps = store.teachers.list().flatMap((t) => {
    // The plan counts the images with this teacher's maps without reading a pixel.
    const plan = planTraining(store, {
      datasetId: dataset.id,
      labels: 'probability',
      teacherId: t.id,
      unassigned: 'train',
      valFraction: 0.2,
      seed: 1,
    });
    const images = plan.train.images + plan.val.images + plan.test;
    return images > 0 ? [`"${t.name}" (${images} image(s))`] : [];
  });
  const offered = withMaps.length
    ? `teachers with probability maps of "${dataset.name}": ${withMaps.join(', ')}`
    : `no teacher has probability maps of "${dataset.name}" yet: pseudo-label it on the Teachers screen first`;
  if (teacherName === undefined)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `--labels probability needs --teacher NAME, the teacher whose maps are the soft labels (${offered})`,
    );
  throw new AppError(ErrorCode.NOT_FOUND, `the project has no teacher named "${teacherName}" (${offered})`, {
    teacher: teacherName,
  });
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `--${flag} must be one of ${allowed.join(', ')}, got "${value}"`,
    );
  return value as T;
}

/** The first "student-N" no student or training folder of the project uses. */
function freshRunName(store: ProjectStore): string {
  const used = new Set([
    ...store.students.list().map((s) => s.name),
    ...listTrainingRuns(store).map((r) => r.name),
  ]);
  for (let n = 1; ; n++) if (!used.has(`student-${n}`)) return `student-${n}`;
}

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

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train a student network from the model zoo on images and masks',
  help: [
    'Usage: apprentice train --images DIR --masks DIR --out DIR [--arch NAME] [--size N] [flags]',
    '       apprentice train --project DIR --dataset NAME [--labels L] [--unassigned U] [--arch NAME] [flags]',
    '       apprentice train --list-archs [--size N] [--json]',
    '',
    'Trains a segmentation network (Dice + BCE, Adam with warm-up and cosine decay, augmentation on the',
    'fly) with a validation split by case, early stopping on validation Dice and a checkpoint every',
    'epoch. Ctrl-C stops after the current step; --resume continues from the last epoch.',
    '',
    `  --arch NAME          ${Object.keys(PRESETS).join(' | ')} (default unet)`,
    '  --size N             input size in pixels, a multiple of 16 (default 128)',
    '  --width N            filters of the first level (default 16)',
    '  --depth N            down-sampling levels (U-Nets, default 3) / atrous blocks (DeepLab, default 2)',
    '  --channels 1|3       input channels (default 1; grey images are repeated for 3)',
    '  --classes N          1 = binary (default); N >= 2 = mask values are class indices 0..N-1',
    '  --batch-norm / --no-batch-norm   override the preset',
    '  --deep-supervision   unet++ only: one head per decoder column',
    '  --list-archs         print the presets with their parameter counts and exit',
    '',
    'On a project dataset (as the Train screen): the splits assigned on Data are honoured, test images',
    'never train or validate; the run goes to <project>/students/<name> and is recorded as a student.',
    '  --project DIR        the project folder (instead of --images/--masks/--out)',
    '  --dataset NAME       the dataset to train on',
    `  --labels L           ${STUDENT_LABEL_SOURCES.join(' | ')} (default reviewed: corrections, else`,
    "                       pseudo-labels; probability: soft labels, one teacher's maps, with --teacher)",
    '  --teacher NAME       with --labels probability: the teacher whose probability maps are the soft labels',
    '  --unassigned U       images without an assigned split: split (by case with --val-fraction, default),',
    '                       train (all train) or exclude (left out)',
    ...RECIPE_HELP,
    '',
    'Exit status: 0 trained, 1 training failed or was stopped, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        ...RECIPE_OPTIONS,
        arch: { type: 'string' },
        size: { type: 'string' },
        width: { type: 'string' },
        depth: { type: 'string' },
        channels: { type: 'string' },
        classes: { type: 'string' },
        'batch-norm': { type: 'boolean' },
        'no-batch-norm': { type: 'boolean' },
        'deep-supervision': { type: 'boolean' },
        'list-archs': { type: 'boolean' },
        project: { type: 'string' },
        dataset: { type: 'string' },
        labels: { type: 'string' },
        teacher: { type: 'string' },
        unassigned: { type: 'string' },
      },
      strict: true,
    });
    const size = num(v.size, 'size', 128, { int: true, min: 16 });
    if (v['list-archs']) {
      const { initCompute } = await import('../../engine/backend.js');
      await initCompute();
      const rows = describePresets(size);
      if (v.json) io.stdout(JSON.stringify({ size, presets: rows }));
      else
        for (const r of rows)
          io.stdout(`${r.name.padEnd(16)} ${String(r.params).padStart(9)} params  ${r.description}`);
      return 0;
    }
    const classes = num(v.classes, 'classes', 1, { int: true, min: 1, max: 255 });
    const config = resolveConfig(v.arch ?? 'unet', {
      size,
      width: v.width === undefined ? undefined : num(v.width, 'width', 16, { int: true, min: 1 }),
      depth: v.depth === undefined ? undefined : num(v.depth, 'depth', 3, { int: true, min: 1 }),
      inChannels: num(v.channels, 'channels', 1, { int: true, min: 1, max: 3 }) as 1 | 3,
      classes,
      batchNorm: v['batch-norm'] ? true : v['no-batch-norm'] ? false : undefined,
      deepSupervision: v['deep-supervision'] ? true : undefined,
    });
    const { options, split } = recipeFrom(v, classes > 1 ? { targetMode: 'labels' } : {});
    if (v.project !== undefined) {
      const folderFlags = (['images', 'masks', 'out', 'folds', 'case-regex'] as const).filter(
        (f) => v[f] !== undefined,
      );
      if (folderFlags.length)
        throw new AppError(
          ErrorCode.INVALID_ARGUMENT,
          `--project trains on a project dataset: leave out ${folderFlags.map((f) => `--${f}`).join(', ')}`,
        );
      if (v.teacher !== undefined && v.labels !== 'probability')
        throw new AppError(
          ErrorCode.INVALID_ARGUMENT,
          '--teacher names the teacher of soft labels: it needs --labels probability',
        );
      const r = await trainOnProject(
        {
          project: resolve(v.project),
          dataset: requireFlag(v.dataset, 'dataset'),
          labels: v.labels,
          teacher: v.teacher,
          unassigned: v.unassigned,
          name: v.name,
          valFraction: 'valFraction' in split ? split.valFraction : 0.2,
          config,
          options,
          resume: v.resume === true,
        },
        io,
        v.json === true,
      );
      return reportTraining(r, io, v.json === true);
    }
    for (const f of ['dataset', 'labels', 'teacher', 'unassigned'] as const)
      if (v[f] !== undefined) throw new AppError(ErrorCode.INVALID_ARGUMENT, `--${f} needs --project`);
    const out = resolve(requireFlag(v.out, 'out'));
    const request: TrainJobRequest = {
      name: v.name ?? out.split(/[\\/]/).filter(Boolean).at(-1) ?? 'student',
      data: {
        kind: 'folders',
        images: resolve(requireFlag(v.images, 'images')),
        masks: resolve(requireFlag(v.masks, 'masks')),
        ...(v['case-regex'] ? { caseRegex: v['case-regex'] } : {}),
      },
      model: { kind: 'zoo', config: { ...config, seed: options.seed } },
      options,
      split,
      outDir: out,
      resume: v.resume === true,
      ...(v.teachers
        ? {
            teachers: v.teachers
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          }
        : {}),
    };
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
    if (!v.json) {
      // Parameter count before training: building the graph is cheap.
      const { initCompute } = await import('../../engine/backend.js');
      await initCompute();
      const model = buildModel(config);
      io.stdout(
        `Training ${v.arch ?? 'unet'} (${config.arch}) at ${config.size}x${config.size}: ${model.countParams().toLocaleString('en-US')} parameters, seed ${options.seed}`,
      );
      model.dispose();
    }
    return reportTraining(await runTrainJob(request, io, v.json === true), io, v.json === true);
  },
};
