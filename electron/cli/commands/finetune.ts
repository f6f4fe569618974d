import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModelDir } from '../../students/evaluate-run.js';
import type { CliCommand } from '../command.js';
import { requireFlag } from '../flags.js';
import {
  FINETUNE_DEFAULTS,
  folderTrainRequest,
  recipeFrom,
  recipeHelp,
  RECIPE_OPTIONS,
  reportTraining,
  runTrainJob,
} from './training-recipe.js';

export const finetuneCommand: CliCommand = {
  name: 'finetune',
  summary: 'Fine-tune a student (or any compatible TF.js model) on a small labeled set',
  help: [
    'Usage: apprentice finetune --model PATH --images DIR --masks DIR --out DIR [--freeze-encoder] [flags]',
    '',
    `Continues training from a model with a lower learning rate (default ${FINETUNE_DEFAULTS.learningRate}, no warm-up, ${FINETUNE_DEFAULTS.epochs} epochs,`,
    `patience ${FINETUNE_DEFAULTS.patience}), optionally with the encoder frozen, as the transfer's fine-tuning stage does.`,
    'The model keeps its input size and channels.',
    '',
    '  --model PATH         a training output folder, an export folder (tfjs/) or a folder with model.json',
    '  --freeze-encoder     keep the encoder weights of a zoo model fixed (only the decoder and head learn)',
    ...recipeHelp(FINETUNE_DEFAULTS),
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
    const recipe = recipeFrom(v, FINETUNE_DEFAULTS);
    const options = { ...recipe.options, freezeEncoder: v['freeze-encoder'] === true };
    const request = folderTrainRequest(v, { kind: 'model', dir: modelDir }, { ...recipe, options });
    if (!v.json)
      io.stdout(
        `Fine-tuning ${modelDir} (lr ${options.learningRate}${options.freezeEncoder ? ', encoder frozen' : ''})`,
      );
    return reportTraining(await runTrainJob(request, io, v.json === true), io, v.json === true);
  },
};
