import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TransferSummary } from '../../../shared/transfer.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { DEFAULT_FUSION, FUSION_METHODS, RECIPE } from '../../../shared/recipe.js';
import { PRESETS } from '../../engine/zoo/index.js';
import { loadSpecFile, mergeSpec, parseSpec } from '../../transfer/spec-file.js';
import type { CliCommand, CliIo } from '../command.js';
import { FUSION_OPTIONS } from './teacher-flags.js';
import { int, num, real } from '../flags.js';
import { startTransfer } from '../../services/transfer-service.js';
import { runJob, startCompute, withServices } from '../run-job.js';
import { fuseShardsFirst, runShard, SHARD_HELP, shardMode } from './transfer-shards.js';

const OPTIONS = {
  spec: { type: 'string' },
  teacher: { type: 'string', multiple: true },
  transferal: { type: 'string' },
  corrections: { type: 'string' },
  arch: { type: 'string' },
  size: { type: 'string' },
  width: { type: 'string' },
  depth: { type: 'string' },
  channels: { type: 'string' },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  patience: { type: 'string' },
  'val-fraction': { type: 'string' },
  'no-augment': { type: 'boolean' },
  ...FUSION_OPTIONS,
  'finetune-images': { type: 'string' },
  'finetune-masks': { type: 'string' },
  'finetune-epochs': { type: 'string' },
  'finetune-lr': { type: 'string' },
  'freeze-encoder': { type: 'boolean' },
  'test-images': { type: 'string' },
  'test-masks': { type: 'string' },
  'case-regex': { type: 'string' },
  seed: { type: 'string' },
  name: { type: 'string' },
  out: { type: 'string' },
  fresh: { type: 'boolean' },
  project: { type: 'string' },
  json: { type: 'boolean' },
  shard: { type: 'string' },
  shards: { type: 'string' },
} as const;

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

const path = (p: string | undefined) => (p === undefined ? undefined : resolve(p));

/** The spec settings the flags give (paths made absolute against the working directory). */
export function specFromFlags(v: Values): Record<string, unknown> {
  const pair = (images: string | undefined, masks: string | undefined, what: string) => {
    if (!images !== !masks)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `--${what}-images and --${what}-masks go together`);
    return images ? { images: path(images), masks: path(masks) } : undefined;
  };
  const finetune = pair(v['finetune-images'], v['finetune-masks'], 'finetune');
  const ftSettings = {
    epochs: int(v['finetune-epochs'], 'finetune-epochs'),
    learningRate: real(v['finetune-lr'], 'finetune-lr'),
    freezeEncoder: v['freeze-encoder'] || undefined,
  };
  if (!finetune && Object.values(ftSettings).some((x) => x !== undefined))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      '--finetune-* settings need --finetune-images and --finetune-masks',
    );
  return {
    name: v.name,
    teachers: v.teacher?.map((t) => resolve(t)),
    transferal:
      v.transferal || v.corrections
        ? { images: path(v.transferal), corrections: path(v.corrections) }
        : undefined,
    fusion:
      v.fuse || v.weights || v.threshold
        ? {
            method: v.fuse,
            weights: v.weights?.split(',').map((w) => num(w, 'weights', 0, { min: 0 })),
            threshold: real(v.threshold, 'threshold'),
          }
        : undefined,
    post:
      v.lcc || v['fill-holes'] || v['min-island']
        ? {
            largestComponent: v.lcc || undefined,
            fillHoles: v['fill-holes'] || undefined,
            minIslandSize: int(v['min-island'], 'min-island', 0),
          }
        : undefined,
    student: {
      arch: v.arch,
      size: int(v.size, 'size', 16),
      width: int(v.width, 'width'),
      depth: int(v.depth, 'depth'),
      channels: int(v.channels, 'channels'),
      steps: int(v.steps, 'steps'),
      epochs: int(v.epochs, 'epochs'),
      batchSize: int(v.batch, 'batch'),
      learningRate: real(v.lr, 'lr'),
      patience: int(v.patience, 'patience', 0),
      valFraction: real(v['val-fraction'], 'val-fraction'),
      augment: v['no-augment'] ? false : undefined,
    },
    finetune: finetune ? { ...finetune, ...ftSettings } : undefined,
    test: pair(v['test-images'], v['test-masks'], 'test'),
    caseRegex: v['case-regex'],
    seed: v.seed === undefined ? undefined : num(v.seed, 'seed', 1, { int: true }),
    out: path(v.out),
  };
}

/** Drops undefined leaves (and objects left empty), so flags only override what they set. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = defined(v as Record<string, unknown>);
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

/** The score table of a finished transfer, aligned for a terminal. */
export function scoreTable(s: TransferSummary): string[] {
  if (!s.test) return ['No test set given: nothing was scored against ground truth.'];
  const w = Math.max(6, ...s.test.scores.map((x) => x.source.length));
  const lines = [
    `${'source'.padEnd(w)}  kind     n     Dice    IoU    HD95 px`,
    ...s.test.scores.map(
      (x) =>
        `${x.source.padEnd(w)}  ${x.kind.padEnd(7)} ${String(x.n).padStart(4)}  ${x.dice.toFixed(4)}  ${x.iou.toFixed(4)}  ${x.hd95Px === null ? '   -' : x.hd95Px.toFixed(1).padStart(7)}`,
    ),
  ];
  return lines;
}

/** The one JSON line outside checks read: test Dice of every teacher, of the fused label and of the student. */
export function summaryLine(s: TransferSummary): Record<string, unknown> {
  const scores = s.test?.scores ?? [];
  const students = scores.filter((x) => x.kind === 'student');
  const fused = scores.find((x) => x.kind === 'fused');
  const teachers = scores.filter((x) => x.kind === 'teacher');
  return {
    ...s,
    dice: s.test
      ? {
          teachers: Object.fromEntries(teachers.map((x) => [x.source, x.dice])),
          // One teacher: its own mask is the "fused" label.
          fused: fused?.dice ?? (teachers.length === 1 ? teachers[0]!.dice : null),
          student: students.at(-1)?.dice ?? null,
          ...(students.length > 1 ? { student_before_finetune: students[0]!.dice } : {}),
        }
      : null,
  };
}

/**
 * Runs a transfer with Ctrl-C (or SIGTERM) = stop after the current step; a stopped run is not an error of the input
 * (exit 1, with how to continue), so it returns null after saying so.
 */
export async function runWithInterrupt<T>(
  io: CliIo,
  verb: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T | null> {
  const ac = new AbortController();
  // Ctrl-C, and the SIGTERM a cluster scheduler or container runtime sends before it kills a job.
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    return await run(ac.signal);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== ErrorCode.CANCELLED) throw err;
    io.stderr(`apprentice ${verb}: ${err.message}`);
    return null;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export const transferCommand: CliCommand = {
  name: 'transfer',
  summary: 'Knowledge transfer end to end: teachers pseudo-label, a student learns, is scored and exported',
  help: [
    'Usage: apprentice transfer --spec run.yaml [flags that override it] [--json]',
    '       apprentice transfer --teacher CARD [--teacher CARD ...] --transferal DIR --out DIR [flags]',
    '',
    'Pseudo-labels the transferal images with every teacher, fuses them, trains a student on the fused',
    'labels, optionally fine-tunes it on a few labeled images, scores teachers, fused label and student on',
    'a labeled test set, exports the student (TF.js + ONNX + card) and writes OUT/report.html,',
    'OUT/metrics.json and OUT/metrics.csv. Running the same spec into the same OUT again continues an',
    'interrupted run (Ctrl-C stops it cleanly); a spec file is JSON or YAML, its paths relative to it.',
    '',
    '  --spec FILE            run spec (JSON/YAML); see README "Knowledge transfer" for every key',
    '  --teacher CARD         a teacher card (NAME.json: ONNX, TF.js, mask folder, exported student); repeat',
    '  --transferal DIR       unlabeled images to pseudo-label and learn from',
    "  --corrections DIR      corrected masks by image name: they replace those images' fused labels",
    `  --fuse METHOD          ${FUSION_METHODS.join(' | ')} (default ${DEFAULT_FUSION.method}); --weights W,W,.. for weighted`,
    '                         auto: label-free; teachers weighted by their agreement over the set, test-time',
    "                         augmented, each image cut at its own (Otsu) threshold (README 'Label-free fusion')",
    `  --threshold T          foreground when the fused probability > T (default ${DEFAULT_FUSION.threshold}; not used by auto)`,
    '  --lcc --fill-holes --min-island N   post-processing of every pseudo-label',
    `  --arch NAME            student: ${Object.keys(PRESETS).join(' | ')} (default unet)`,
    `  --size N --width N --depth N        student input size (default ${RECIPE.size.default}) and shape`,
    '  --channels 1|3         student input channels (default: 3 when a teacher takes colour and the',
    '                         transferal images are colour, else 1)',
    `  --steps N              training length in optimizer steps, rounded up to whole epochs (default ${RECIPE.steps.default})`,
    '  --epochs N             a fixed number of epochs instead of --steps',
    '  --batch N --lr X --patience N --val-fraction F --no-augment   student training',
    '  --finetune-images DIR --finetune-masks DIR   fine-tune on these labeled images afterwards',
    '  --finetune-epochs N --finetune-lr X --freeze-encoder',
    '  --test-images DIR --test-masks DIR           score everything on this labeled set',
    '  --case-regex RE        first group = case/patient id (a case never straddles a split)',
    '  --seed N               same seed, same numbers (default 1)',
    "  --name NAME            the student's name (default student)",
    '  --out DIR              output folder',
    '  --fresh                forget an earlier run in OUT and start from the first stage',
    '  --project DIR          keep the finished run in this project (listed on its Transfer screen)',
    ...SHARD_HELP,
    '  --json                 print one JSON object as the last line: dice.teachers, dice.fused, dice.student, ...',
    '',
    'Exit status: 0 done, 1 the run failed or was stopped, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
    const v = values as Values;
    const flags = defined(specFromFlags(v));
    const spec = v.spec
      ? loadSpecFile(v.spec, flags)
      : parseSpec(mergeSpec({}, flags), process.cwd(), 'flags');
    const quiet = v.json === true;
    const mode = shardMode(v);
    const fresh = v.fresh === true;
    const interruptible = <T>(work: (signal: AbortSignal) => Promise<T>) =>
      runWithInterrupt(io, 'transfer', work);
    if (mode && 'shard' in mode) return runShard(spec, mode.shard, { fresh, json: quiet }, io, interruptible);
    await startCompute(io);
    return withServices(async (services) => {
      // Opened (and locked) before the run: a project that cannot take the record is refused up front.
      if (v.project) await services.api.openProject({ path: resolve(v.project) });
      // Sharded pseudo-labels are fused first; the run below then finds that stage done in the ledger.
      if (mode && !(await fuseShardsFirst(spec, mode.shards, { fresh, json: quiet }, io, interruptible)))
        return 1;
      const summary = await runWithInterrupt(io, 'transfer', () =>
        runJob(
          services,
          io,
          () => startTransfer(services.jobs, services.projects.current(), spec, fresh && !mode),
          {
            lines: !quiet,
            bar: !quiet,
          },
        ),
      );
      if (!summary) return 1;
      if (v.json) io.stdout(JSON.stringify(summaryLine(summary)));
      else {
        io.stdout('');
        for (const line of scoreTable(summary)) io.stdout(line);
        io.stdout('');
        const t = summary.training;
        io.stdout(
          `Training: ${t.epochs} epoch(s), best ${t.bestEpoch} (val Dice ${t.bestValDice.toFixed(4)}); ` +
            `${t.channels === 3 ? 'colour' : 'grey'} input: ${t.channelsReason}`,
        );
        if (summary.teacherProviders)
          io.stdout(
            `Teachers ran on: ${Object.entries(summary.teacherProviders)
              .map(([n, p]) => `${n}: ${p}`)
              .join(', ')}`,
          );
        io.stdout(`Student: ${summary.export?.card ?? '-'}`);
        io.stdout(`Report:  ${summary.report.html}`);
      }
      return 0;
    });
  },
};
