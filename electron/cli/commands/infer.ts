import { parseArgs } from 'node:util';
import type { CliCommand } from '../command.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { Layout, OutputKind, ResizePolicy } from '../../teachers/contract.js';
import { runFolder } from '../../teachers/folder-run.js';
import { DEFAULT_FUSION_METHOD, FUSION_METHODS } from '../../../shared/recipe.js';
import type { ContractHints } from '../../teachers/infer-contract.js';
import { openTeacher } from '../../teachers/open.js';
import { resolveTeacher } from '../../teachers/resolve.js';
import { teacherProviders, type TeacherRunner } from '../../teachers/runner.js';
import { numberList, positiveInt } from '../flags.js';
import { FUSION_OPTIONS, fusionFlags, postFlags, TTA_OPTIONS, ttaFlag } from './teacher-flags.js';

export const inferCommand: CliCommand = {
  name: 'infer',
  summary: 'Run teachers (ONNX, TF.js, mask folders) over a folder of images and write masks',
  help: [
    'Usage: apprentice infer --teacher <card.json|model.onnx> [--teacher ...] --images <dir> --out <dir> [flags]',
    '',
    'Runs each teacher as its card describes (input layout, size, scaling, letterbox/stretch; output kind and',
    "foreground channel), maps its output back to each image's own grid and writes one 8-bit PNG mask per",
    'image (0/255, same size, named after the image). With several teachers the masks are fused.',
    '',
    '  --teacher PATH      a teacher card (JSON) or a bare .onnx model; repeat for an ensemble',
    '  --images DIR        images (PNG, JPEG, TIFF, DICOM, NIfTI); a single file is accepted',
    '  --out DIR           where the masks go (created)',
    '  --masks DIR         ground-truth masks paired by name: report Dice (dice_mean) and IoU',
    "  --probs DIR         also write each teacher's probability map (8-bit, p*255) to DIR/<teacher>/",
    `  --fuse METHOD       ${FUSION_METHODS.join(' | ')} (default ${DEFAULT_FUSION_METHOD} when several teachers:`,
    "                      weights from the teachers' agreement over all images, each image cut at its own",
    "                      Otsu threshold; README 'Label-free fusion')",
    '  --tta, --no-tta     run each teacher also on flipped and zoomed views and average them back (default:',
    '                      on for auto, off otherwise); --probs then holds the averaged maps',
    '  --weights W,W,...   one weight per teacher, for --fuse weighted',
    '  --threshold T       foreground when probability > T (default 0.5; auto cuts each image at its own)',
    '  --lcc               keep only the largest connected component',
    '  --fill-holes        fill holes inside the mask',
    '  --min-island N      remove foreground islands smaller than N pixels',
    '  --batch N           images per model call (default 8)',
    '  --threads N         onnxruntime intra-op threads (default 2)',
    '  --provider NAME     onnxruntime execution provider(s) to try first, e.g. webgpu or cuda; repeat for a',
    '                      list. The CPU always backs them up: a provider that fails is said on stderr',
    '                      (default: APPRENTICE_TEACHER_PROVIDER=auto|cuda|webgpu|cpu, else auto: CUDA where',
    "                      onnxruntime's CUDA provider is installed, else WebGPU on a hardware GPU, else CPU)",
    '  --json              print one JSON object with the summary as the last line',
    '',
    'For a bare .onnx model the contract is read from the model where it can be; state the rest with',
    '  --layout NCHW|NHWC  --size HxW  --resize stretch|letterbox  --scale S  --mean M[,M,M]  --std S[,S,S]',
    '  --output-kind logits|sigmoid|softmax  --fg-channel N',
    '',
    'Exit status: 0 masks written (failures are listed), 1 no mask could be written, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        teacher: { type: 'string', multiple: true },
        images: { type: 'string' },
        out: { type: 'string' },
        masks: { type: 'string' },
        probs: { type: 'string' },
        ...FUSION_OPTIONS,
        ...TTA_OPTIONS,
        batch: { type: 'string' },
        threads: { type: 'string' },
        provider: { type: 'string', multiple: true },
        layout: { type: 'string' },
        size: { type: 'string' },
        resize: { type: 'string' },
        scale: { type: 'string' },
        mean: { type: 'string' },
        std: { type: 'string' },
        'output-kind': { type: 'string' },
        'fg-channel': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.teacher?.length)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, '--teacher <card.json|model.onnx> is required');
    if (!values.images) throw new AppError(ErrorCode.INVALID_ARGUMENT, '--images <dir> is required');
    if (!values.out) throw new AppError(ErrorCode.INVALID_ARGUMENT, '--out <dir> is required');
    if (values.teacher.length === 1 && values.fuse !== undefined)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, '--fuse needs two or more --teacher');
    // One teacher is not fused: its map is cut at the threshold (with its TTA views averaged if asked).
    const fallback = values.teacher.length > 1 ? DEFAULT_FUSION_METHOD : 'mean';
    const tta = ttaFlag(values.tta, values['no-tta']);
    const fusion = {
      ...fusionFlags(values.fuse, values.weights, values.threshold, fallback),
      ...(tta !== undefined ? { tta } : {}),
    };
    const hints = contractHints(values);
    const opts = {
      ...(values.batch ? { batchSize: positiveInt(values.batch, '--batch') } : {}),
      ...(values.threads ? { threads: positiveInt(values.threads, '--threads') } : {}),
      ...(values.provider ? { providers: values.provider } : {}),
      // A GPU provider that fails: the teacher continues on the CPU, and the user is told.
      onNotice: (m: string) => io.stderr(`apprentice infer: ${m}`),
    };
    const runners: TeacherRunner[] = [];
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      for (const t of values.teacher) {
        const r = await resolveTeacher(t, hints);
        for (const a of r.assumed) io.stderr(`apprentice infer: ${r.card.name}: assumed ${a}`);
        runners.push(await openTeacher(r.card, opts));
      }
      const summary = await runFolder(runners, {
        images: values.images,
        out: values.out,
        ...(values.masks ? { masks: values.masks } : {}),
        ...(values.probs ? { probs: values.probs } : {}),
        fusion,
        post: postFlags(values.lcc, values['fill-holes'], values['min-island']),
        signal: controller.signal,
        onProgress: (d, n) => io.status(`infer ${d}/${n}`),
      });
      io.status(null);
      const { outcomes: _outcomes, ...rest } = summary;
      const brief = { ...rest, teacher_providers: teacherProviders(runners) };
      if (values.json) io.stdout(JSON.stringify(brief));
      else {
        io.stdout(
          `Wrote ${summary.written} mask(s) of ${summary.images} image(s) to ${values.out} in ${summary.seconds.toFixed(1)} s`,
        );
        if (summary.fusion) io.stdout(`  ${summary.fusionReport.why}`);
        io.stdout(
          `  ran on: ${Object.entries(brief.teacher_providers)
            .map(([n, p]) => `${n}: ${p}`)
            .join(', ')}`,
        );
        if (summary.dice_mean !== undefined) {
          io.stdout(
            `Dice ${summary.dice_mean.toFixed(4)}, IoU ${summary.iou_mean!.toFixed(4)} on ${summary.with_ground_truth} image(s) with ground truth`,
          );
          for (const [n, d] of Object.entries(summary.teacher_dice_mean ?? {}))
            io.stdout(`  ${n}: Dice ${d.toFixed(4)}`);
        }
      }
      for (const e of summary.errors) io.stderr(`apprentice infer: ${e.message}`);
      return summary.written > 0 ? 0 : 1;
    } finally {
      process.off('SIGINT', onSigint);
      await Promise.all(runners.map((r) => r.dispose()));
    }
  },
};

function contractHints(v: Record<string, unknown>): ContractHints {
  const h: ContractHints = {};
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const layout = str('layout');
  if (layout !== undefined) {
    if (layout !== 'NCHW' && layout !== 'NHWC')
      throw new AppError(ErrorCode.INVALID_ARGUMENT, '--layout must be NCHW or NHWC');
    h.layout = layout as Layout;
  }
  const size = str('size');
  if (size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m) throw new AppError(ErrorCode.INVALID_ARGUMENT, '--size must be HxW, e.g. 256x256');
    h.height = positiveInt(m[1]!, '--size');
    h.width = positiveInt(m[2]!, '--size');
  }
  const resize = str('resize');
  if (resize !== undefined) {
    if (resize !== 'stretch' && resize !== 'letterbox')
      throw new AppError(ErrorCode.INVALID_ARGUMENT, '--resize must be stretch or letterbox');
    h.resize = resize as ResizePolicy;
  }
  const scale = str('scale');
  if (scale !== undefined) h.scale = numberList(scale, '--scale')[0]!;
  const mean = str('mean');
  if (mean !== undefined) h.mean = numberList(mean, '--mean');
  const std = str('std');
  if (std !== undefined) h.std = numberList(std, '--std');
  const kind = str('output-kind');
  if (kind !== undefined) {
    if (!['logits', 'sigmoid', 'softmax'].includes(kind))
      throw new AppError(ErrorCode.INVALID_ARGUMENT, '--output-kind must be logits, sigmoid or softmax');
    h.outputKind = kind as OutputKind;
  }
  const fg = str('fg-channel');
  if (fg !== undefined) h.foregroundChannel = channelIndex(fg);
  return h;
}

function channelIndex(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `--fg-channel must be an integer >= 0, got "${s}"`);
  return n;
}
