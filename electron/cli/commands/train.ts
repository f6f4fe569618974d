import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { TrainRunSummary } from '../../../shared/jobs.js';
import { RECIPE } from '../../../shared/recipe.js';
import type { TrainOptions } from '../../students/trainer.js';
import { buildModel, describePresets, PRESETS, resolveConfig } from '../../engine/zoo/index.js';
import {
  describePlan,
  listTrainingRuns,
  planTraining,
  startProjectTraining,
} from '../../services/student-service.js';
import type { ProjectStore } from '../../store/index.js';
import type { ArchConfig } from '../../engine/zoo/index.js';
import { STUDENT_LABEL_SOURCES, UNASSIGNED_SPLIT_POLICIES } from '../../../shared/dto.js';
import type { CliCommand, CliIo } from '../command.js';
import { num, oneOf, requireFlag } from '../flags.js';
import { runJob, startCompute, withServices } from '../run-job.js';
import {
  folderTrainRequest,
  recipeFrom,
  recipeHelp,
  RECIPE_OPTIONS,
  reportTraining,
  runTrainJob,
  TRAIN_DEFAULTS,
} from './training-recipe.js';

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
  const labels = oneOf(req.labels, STUDENT_LABEL_SOURCES, 'labels', 'reviewed');
  const unassigned = oneOf(req.unassigned, UNASSIGNED_SPLIT_POLICIES, 'unassigned', 'split');
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
        startProjectTraining(services.jobs, store, {
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

/** The first "student-N" no student or training folder of the project uses. */
function freshRunName(store: ProjectStore): string {
  const used = new Set([
    ...store.students.list().map((s) => s.name),
    ...listTrainingRuns(store).map((r) => r.name),
  ]);
  for (let n = 1; ; n++) if (!used.has(`student-${n}`)) return `student-${n}`;
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
    ...recipeHelp(TRAIN_DEFAULTS),
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
    const size = num(v.size, 'size', RECIPE.size.default, { int: true, ...RECIPE.size });
    if (v['list-archs']) {
      await startCompute();
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
      width: v.width === undefined ? undefined : num(v.width, 'width', 0, { int: true, ...RECIPE.width }),
      depth: v.depth === undefined ? undefined : num(v.depth, 'depth', 0, { int: true, ...RECIPE.depth }),
      inChannels: num(v.channels, 'channels', 1, { int: true, min: 1, max: 3 }) as 1 | 3,
      classes,
      batchNorm: v['batch-norm'] ? true : v['no-batch-norm'] ? false : undefined,
      deepSupervision: v['deep-supervision'] ? true : undefined,
    });
    const recipe = recipeFrom(v, TRAIN_DEFAULTS, classes > 1 ? 'labels' : 'binary');
    const { options, split } = recipe;
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
      await startCompute(io);
      const r = await trainOnProject(
        {
          project: resolve(v.project),
          dataset: requireFlag(v.dataset, 'dataset'),
          labels: v.labels,
          teacher: v.teacher,
          unassigned: v.unassigned,
          name: v.name,
          valFraction: 'valFraction' in split ? split.valFraction : RECIPE.valFraction.default,
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
    const request = folderTrainRequest(v, { kind: 'zoo', config: { ...config, seed: options.seed } }, recipe);
    await startCompute(io);
    if (!v.json) {
      // Parameter count before training: building the graph is cheap.
      const model = buildModel(config);
      io.stdout(
        `Training ${v.arch ?? 'unet'} (${config.arch}) at ${config.size}x${config.size}: ${model.countParams().toLocaleString('en-US')} parameters, seed ${options.seed}`,
      );
      model.dispose();
    }
    return reportTraining(await runTrainJob(request, io, v.json === true), io, v.json === true);
  },
};
