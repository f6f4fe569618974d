import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { fuseFolders } from '../../teachers/fuse-folders.js';
import { DEFAULT_FUSION_METHOD, FUSION_METHODS } from '../../../shared/recipe.js';
import { FUSION_OPTIONS, fusionFlags, postFlags } from './teacher-flags.js';

export const fuseCommand: CliCommand = {
  name: 'fuse',
  summary: "Fuse several teachers' probability maps into pseudo-labels, with a review queue",
  help: [
    'Usage: apprentice fuse --probs <dir> --probs <dir> [...] --out <dir> [flags]',
    '',
    "Each --probs folder holds one teacher's foreground probability maps (8-bit PNG = p*255, as",
    '`apprentice infer --probs` writes them; 16-bit and float maps are accepted), named like the images.',
    'Writes one 8-bit 0/255 PNG mask per image to --out.',
    '',
    "  --probs DIR         one teacher's maps; give two or more",
    '  --out DIR           fused masks (created)',
    `  --fuse METHOD       ${FUSION_METHODS.join(' | ')} (default ${DEFAULT_FUSION_METHOD}: weights from the`,
    "                      maps' agreement over all images, each image cut at its own Otsu threshold; the maps",
    '                      are read as given: for test-time-augmented maps run `infer --tta --probs DIR`)',
    '  --weights W,W,...   one weight per --probs, for --fuse weighted',
    '  --threshold T       foreground when the fused probability > T (default 0.5; not used by auto)',
    '  --lcc               keep only the largest connected component',
    '  --fill-holes        fill holes inside the mask',
    '  --min-island N      remove foreground islands smaller than N pixels',
    '  --soft DIR          also write the fused soft labels (8-bit, p*255)',
    '  --masks DIR         ground-truth masks paired by name: report Dice (dice_mean) and IoU',
    '  --queue FILE        write the review queue (most uncertain first: teacher disagreement =',
    '                      1 - mean pairwise Dice, then mean entropy of the fused probability) as JSON',
    '  --json              print one JSON object with the summary as the last line',
    '',
    'Exit status: 0 masks written (failures are listed), 1 none could be written, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        probs: { type: 'string', multiple: true },
        out: { type: 'string' },
        ...FUSION_OPTIONS,
        soft: { type: 'string' },
        masks: { type: 'string' },
        queue: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if ((values.probs?.length ?? 0) < 2)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, 'give two or more --probs <dir>');
    if (!values.out) throw new AppError(ErrorCode.INVALID_ARGUMENT, '--out <dir> is required');
    const s = await fuseFolders({
      probs: values.probs!,
      out: values.out,
      ...(values.soft ? { soft: values.soft } : {}),
      ...(values.masks ? { masks: values.masks } : {}),
      fusion: fusionFlags(values.fuse, values.weights, values.threshold, DEFAULT_FUSION_METHOD),
      post: postFlags(values.lcc, values['fill-holes'], values['min-island']),
    });
    if (values.queue) writeFileSync(resolve(values.queue), JSON.stringify(s.queue, null, 1));
    const { queue, ...brief } = s;
    if (values.json) io.stdout(JSON.stringify({ ...brief, most_uncertain: queue.slice(0, 10) }));
    else {
      io.stdout(`Fused ${s.written} of ${s.images} image(s) (${s.fusion}) into ${values.out}`);
      io.stdout(`  ${s.fusionReport.why}`);
      if (s.dice_mean !== undefined)
        io.stdout(
          `Dice ${s.dice_mean.toFixed(4)}, IoU ${s.iou_mean!.toFixed(4)} on ${s.with_ground_truth} image(s)`,
        );
      for (const q of queue.slice(0, 5))
        io.stdout(
          `  review first: ${q.key} (disagreement ${q.disagreement.toFixed(3)}, entropy ${q.entropy.toFixed(3)})`,
        );
    }
    for (const e of s.errors) io.stderr(`apprentice fuse: ${e.message}`);
    return s.written > 0 ? 0 : 1;
  },
};
