import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModelDir } from '../../students/evaluate-run.js';
import type { TrainJobRequest } from '../../students/run.js';
import type { CliCommand } from '../command.js';
import { requireFlag } from '../flags.js';
import { recipeFrom, RECIPE_HELP, RECIPE_OPTIONS, reportTraining, runTrainJob } from './train.js';

export const finetuneCommand: CliCommand = {
  name: 'finetune',
  summary: 'Fine-tune a student (or any compatible TF.js model) on a small labeled set',
  help: [
    'Usage: apprentice finetune --model PATH --images DIR --masks DIR --out DIR [--freeze-encoder] [flags]',
    '',
    'Continues training from a model with a lower learning rate (default 0.0002, no warm-up, 15 epochs,',
    'patience 5), optionally with the encoder frozen. The model keeps its input size and channels.',
    '',
    '  --model PATH         a training output folder, an export folder (tfjs/) or a folder with model.json',
    '  --freeze-encoder     keep the encoder weights of a zoo model fixed (only the decoder and head learn)',
    ...RECIPE_HELP,
    '',
    'Exit status: 0 trained, 1 training failed or was stopped, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values: v } = parseArgs({
      args: argv,
      options: { ...RECIPE_OPTIONS, model: { type: 'string' }, 'freeze-encoder': { type: 'boolean' } },
      strict: true,
    });
    const modelDir = resolveModelDir(resolve(requireFlag(v.model, 'model')));
    const { options, split } = recipeFrom(v, {
      learningRate: 2e-4,
      minLearningRate: 2e-6,
      warmupSteps: 0,
      epochs: 15,
      patience: 5,
    });
    options.freezeEncoder = v['freeze-encoder'] === true;
    const out = resolve(requireFlag(v.out, 'out'));
    const request: TrainJobRequest = {
      name: v.name ?? out.split(/[\\/]/).filter(Boolean).at(-1) ?? 'student',
      data: {
        kind: 'folders',
        images: resolve(requireFlag(v.images, 'images')),
        masks: resolve(requireFlag(v.masks, 'masks')),
        ...(v['case-regex'] ? { caseRegex: v['case-regex'] } : {}),
      },
      model: { kind: 'model', dir: modelDir },
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
    if (!v.json)
      io.stdout(
        `Fine-tuning ${modelDir} (lr ${options.learningRate}${options.freezeEncoder ? ', encoder frozen' : ''})`,
      );
    return reportTraining(await runTrainJob(request, io, v.json === true), io, v.json === true);
  },
};
