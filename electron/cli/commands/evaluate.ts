import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { toCsv } from '../../engine/metrics/index.js';
import { ensureWritableDir } from '../../students/outputs.js';
import { startEvaluation, type EvaluateRequest } from '../../services/student-service.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { CliCommand } from '../command.js';
import { runJob, startCompute, withServices } from '../run-job.js';
import { readFoldFile } from '../../students/split.js';
import { num, requireFlag } from '../flags.js';

function parseSpacing(raw: string | undefined): [number, number] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map(Number);
  if (parts.length === 1 && parts[0]! > 0) return [parts[0]!, parts[0]!];
  if (parts.length === 2 && parts.every((p) => Number.isFinite(p) && p > 0)) return [parts[0]!, parts[1]!];
  throw new AppError(
    ErrorCode.INVALID_ARGUMENT,
    `--spacing must be "MM" or "ROW_MM,COL_MM" with positive numbers, got "${raw}"`,
  );
}

function foldIds(file: string, fold: number): string[] {
  const ids = [...readFoldFile(file)].filter(([, f]) => f === fold).map(([id]) => id);
  if (ids.length === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${file} has no fold ${fold}`, { path: file });
  return ids;
}

export const evaluateCommand: CliCommand = {
  name: 'evaluate',
  summary:
    'Score predicted masks or a model against ground truth, per case (Dice, IoU, precision, recall, HD95)',
  help: [
    'Usage: apprentice evaluate --masks GT_DIR (--pred DIR | --model PATH --images DIR) [--spacing MM[,MM]] [--folds CSV --fold K] [--csv FILE] [--json]',
    '',
    'Pairs files by name (without extension) and scores each case on the ground truth grid. A model',
    '(a model folder with model.json, a training output folder or an exported folder) runs on the images',
    'with its input size; its probabilities are resized back to each image and thresholded at 0.5.',
    'When the ground truth is NIfTI volumes (.nii/.nii.gz), the predictions are volumes on the same grid',
    '(or the model predicts each slice): every slice is a case, and each volume is also scored whole,',
    '3-D Dice and HD95 in mm with the voxel spacing incl. the slice spacing (listed per volume).',
    '',
    '  --masks DIR        ground-truth masks (0 = background, non-zero = foreground)',
    '  --pred DIR         predicted masks to score',
    '  --model PATH       a model to run on --images: a TF.js layers folder (model.json), a training output,',
    '                     or a teacher card NAME.json (ONNX/TF.js with its contract, e.g. an exported student)',
    '  --images DIR       the images for --model',
    '  --spacing MM[,MM]  pixel spacing (row, column) in mm, for HD95 in mm where the files do not carry it',
    '  --folds CSV --fold K  only the images of fold K of a k-fold file (columns ID, kFold)',
    '  --csv FILE         also write the per-case rows as CSV',
    '  --json             print one JSON object as the last line: n, dice_mean, iou_mean, precision_mean,',
    '                     recall_mean, hd95_px_mean, hd95_mm_mean, conventions, and per-case rows in "cases";',
    '                     for volumes also "volumes": {summary, cases (volume, dice, hd95_mm, spacing, ...)}',
    '',
    'Conventions: a metric whose denominator is 0 is 1 when prediction and truth are both empty, else 0;',
    'HD95 (medpy convention) is 0 for two empty masks and undefined (null, not averaged) when one is empty.',
    '',
    'Exit status: 0 evaluated, 1 failed, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        masks: { type: 'string' },
        pred: { type: 'string' },
        model: { type: 'string' },
        images: { type: 'string' },
        spacing: { type: 'string' },
        folds: { type: 'string' },
        fold: { type: 'string' },
        csv: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const spacing = parseSpacing(v.spacing);
    const req: EvaluateRequest = {
      masks: resolve(requireFlag(v.masks, 'masks')),
      ...(v.pred ? { pred: resolve(v.pred) } : {}),
      ...(v.model ? { model: resolve(v.model) } : {}),
      ...(v.images ? { images: resolve(v.images) } : {}),
      ...(spacing ? { spacing } : {}),
      ...(v.folds
        ? { ids: foldIds(resolve(v.folds), num(requireFlag(v.fold, 'fold'), 'fold', 0, { int: true })) }
        : {}),
    };
    if (v.csv) ensureWritableDir(dirname(resolve(v.csv)), 'CSV folder');
    if (req.model) await startCompute();
    const ev = await withServices((services) =>
      runJob(services, io, () => startEvaluation(services.jobs, req)),
    );
    if (v.csv) writeFileAtomic(resolve(v.csv), toCsv(ev.cases));
    if (v.json) {
      io.stdout(
        JSON.stringify({
          ...ev.summary,
          unpaired: ev.unpaired,
          cases: ev.cases,
          ...(ev.volumes ? { volumes: ev.volumes } : {}),
        }),
      );
    } else {
      const s = ev.summary;
      const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
      io.stdout(
        `${s.n} case(s): Dice ${f(s.dice_mean)}, IoU ${f(s.iou_mean)}, precision ${f(s.precision_mean)}, recall ${f(s.recall_mean)}`,
      );
      io.stdout(
        `HD95 ${f(s.hd95_px_mean)} px over ${s.hd95_px_n} case(s)` +
          (s.hd95_mm_n ? `, ${f(s.hd95_mm_mean)} mm over ${s.hd95_mm_n}` : ''),
      );
      if (ev.volumes) {
        const vs = ev.volumes.summary;
        io.stdout(
          `${vs.n} volume(s), scored whole: Dice ${f(vs.dice_mean)}, HD95 ${f(vs.hd95_mm_mean)} mm over ${vs.hd95_mm_n} volume(s)`,
        );
        for (const c of ev.volumes.cases)
          io.stdout(
            `  ${c.volume}: ${c.slices} slices, Dice ${f(c.dice)}, HD95 ${f(c.hd95_mm)} mm (voxels ${c.spacing.map((x) => x.toFixed(3)).join(' x ')} mm)`,
          );
      }
      if (ev.unpaired.length)
        io.stdout(`${ev.unpaired.length} file(s) without ground truth were left out, e.g. ${ev.unpaired[0]}`);
      if (v.csv) io.stdout(`Per-case rows: ${resolve(v.csv)}`);
    }
    return 0;
  },
};
