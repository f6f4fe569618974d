/**
 * npm run bench:colour [-- --stage teachers|transfer|all --seeds 1,2 --out DIR --quick]
 *
 * The colour pairing of issue 17 ("the student must see what the teachers see"), end to end on
 * ../shared/data/kvasir-seg (Jha et al., MMM 2020: 998 RGB colonoscopy frames with polyp masks):
 *   - a fixed seeded split: 400 frames train the teachers, 300 are the transferal set (used unlabeled:
 *     their masks never reach a transfer), the other 298 are the test set;
 *   - three colour teachers (3 input channels) of different architectures and training lengths, trained and
 *     exported (ONNX + card) with the product CLI as a user would (`apprentice train --channels 3`, `export`);
 *   - transfers through `runTransfer`, exactly as `apprentice transfer --spec` runs them:
 *     (a) the best teacher -> student with the old behaviour (1 channel, 20 epochs);
 *     (b) the same teacher -> student with the defaults (channels and length left unset);
 *     (c) the three teachers with the default fusion -> fused label -> student (defaults).
 * Every row uses the same training seed; --seeds 1,2 repeats (b) and (c) with seed 2 (the split and the
 * teachers stay those of seed 1). Writes OUT.md and OUT.json (default test-results/pairing-kvasir.*) with
 * each student's actual channels, epochs and optimizer steps, read from its transfer summary.
 * Teachers are trained once and kept under test-results/pairing-kvasir/teachers (delete to retrain).
 * A benchmark-class run (tens of minutes on two cores), not part of the test suite.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TransferSpecInput, TransferSummary } from '../../shared/transfer.js';
import { Rng } from '../../electron/students/rng.js';

const repo = resolve(import.meta.dirname, '..', '..');
const kvasir = resolve(repo, '..', 'shared', 'data', 'kvasir-seg');

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: join(repo, 'test-results', 'pairing-kvasir') },
    stage: { type: 'string', default: 'all' },
    seeds: { type: 'string', default: '1' },
    /** Teachers' input size (the issue's 128 px). */
    size: { type: 'string', default: '128' },
    /** The students' size and first-level width: the same for every row (see STUDENT below). */
    'student-size': { type: 'string', default: '64' },
    'student-width': { type: 'string', default: '8' },
    /** Rows to run, e.g. a,b (default all: a, b, c, a+ for the first seed; b, c for the others). */
    only: { type: 'string', default: 'a,b,c,a+' },
    quick: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    /** The `apprentice` CLI that trains and exports the teachers (default this checkout's). */
    cli: { type: 'string', default: join(repo, 'electron', 'cli', 'apprentice.mjs') },
  },
});
const cli = resolve(opt.cli);
const out = resolve(opt.out);
const size = Number(opt.size);
const seeds = opt.seeds.split(',').map(Number);
/** The split and the teachers are fixed (seed 1); the students' seed varies. */
const SPLIT_SEED = 1;
const SPLIT = { teachers: 400, transferal: 300 } as const;

// ---- The data: a fixed seeded split of the frames. Kvasir-SEG names no patient or video, so every frame
// is its own case; frames of one video may land on both sides (as in the dataset's usual random splits).
interface KvasirSplit {
  teachers: { images: string; masks: string };
  transferal: string;
  test: { images: string; masks: string };
}

function splitData(): KvasirSplit {
  const rows = readFileSync(join(kvasir, 'manifest.csv'), 'utf8').trim().split('\n').slice(1);
  const frames = rows.map((l) => {
    const [id, image, mask] = l.split(',');
    return { id: id!, image: image!, mask: mask! };
  });
  frames.sort((x, y) => (x.id < y.id ? -1 : 1));
  new Rng(SPLIT_SEED).shuffle(frames);
  const root = join(out, 'data');
  const dirs: KvasirSplit = {
    teachers: { images: join(root, 'teachers', 'images'), masks: join(root, 'teachers', 'masks') },
    transferal: join(root, 'transferal', 'images'),
    test: { images: join(root, 'test', 'images'), masks: join(root, 'test', 'masks') },
  };
  // Same seed, same split: written once, reused by every stage and rerun.
  const done = join(root, 'split.json');
  if (existsSync(done)) return dirs;
  rmSync(root, { recursive: true, force: true });
  for (const d of [dirs.transferal, ...Object.values(dirs.teachers), ...Object.values(dirs.test)])
    mkdirSync(d, { recursive: true });
  const parts: Record<string, string[]> = { teachers: [], transferal: [], test: [] };
  frames.forEach((f, i) => {
    const part =
      i < SPLIT.teachers ? 'teachers' : i < SPLIT.teachers + SPLIT.transferal ? 'transferal' : 'test';
    parts[part]!.push(f.id);
    const imageName = f.image.split('/').pop()!;
    const maskName = f.mask.split('/').pop()!;
    if (part === 'transferal') {
      copyFileSync(join(kvasir, f.image), join(dirs.transferal, imageName));
      return;
    }
    const to = part === 'teachers' ? dirs.teachers : dirs.test;
    copyFileSync(join(kvasir, f.image), join(to.images, imageName));
    copyFileSync(join(kvasir, f.mask), join(to.masks, maskName));
  });
  writeFileSync(done, JSON.stringify({ seed: SPLIT_SEED, ...parts }, null, 1));
  return dirs;
}

// ---- The teachers: three colour networks that differ in architecture and training, as real ones do.
interface TeacherRecipe {
  name: string;
  arch: string;
  epochs: number;
  /** A cap on the training time (two shared CPU cores): the last epoch is cut short to keep it. */
  maxMinutes: number;
}
// Sized for two shared CPU cores (about two minutes an epoch of 400 frames for a U-Net at 128 px).
const TEACHERS: TeacherRecipe[] = [
  { name: 'unet-kvasir', arch: 'unet', epochs: 7, maxMinutes: 16 },
  { name: 'resunet-kvasir', arch: 'residual-unet', epochs: 3, maxMinutes: 9 },
  { name: 'tiny-kvasir', arch: 'unet-tiny', epochs: 6, maxMinutes: 5 },
];
const cardOf = (t: TeacherRecipe) => join(out, 'teachers', t.name, 'export', `${t.name}.json`);

function runCli(args: string[], log: string): { seconds: number; json: unknown } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  writeFileSync(log, `${r.stdout}\n${r.stderr}`);
  if (r.status !== 0) throw new Error(`apprentice ${args[0]} exited ${r.status}: see ${log}`);
  const last = r.stdout.trim().split('\n').pop()!;
  return { seconds: (Date.now() - t0) / 1000, json: JSON.parse(last) };
}

function trainTeachers(data: KvasirSplit): void {
  for (const t of TEACHERS) {
    if (existsSync(cardOf(t)) && !opt.fresh) continue;
    const dir = join(out, 'teachers', t.name);
    mkdirSync(dir, { recursive: true });
    process.stdout.write(`teacher ${t.name} (${t.arch}, ${t.epochs} epochs): `);
    const train = runCli(
      [
        'train',
        '--images',
        data.teachers.images,
        '--masks',
        data.teachers.masks,
        '--out',
        join(dir, 'run'),
        '--arch',
        t.arch,
        '--channels',
        '3',
        '--size',
        String(opt.quick ? 64 : size),
        '--epochs',
        String(opt.quick ? 1 : t.epochs),
        '--seed',
        String(SPLIT_SEED),
        '--max-minutes',
        String(t.maxMinutes),
        '--name',
        t.name,
      ],
      join(dir, 'train.log'),
    );
    runCli(
      ['export', '--student', join(dir, 'run'), '--out', join(dir, 'export'), '--name', t.name],
      join(dir, 'export.log'),
    );
    writeFileSync(join(dir, 'timing.json'), JSON.stringify({ trainSeconds: train.seconds }));
    console.log(`${(train.seconds / 60).toFixed(1)} min`);
  }
}

// ---- The transfers. Every student is the same network at the same size, so the rows differ only in what
// the issue is about: channels, training length and fusion. A U-Net of width 8 at 64 px keeps 2000 steps
// affordable on two shared cores; pass --student-size 128 --student-width 16 for the full-size student.
const STUDENT = {
  arch: 'unet',
  size: opt.quick ? 32 : Number(opt['student-size']),
  width: Number(opt['student-width']),
} as const;

interface TeacherInfo {
  name: string;
  card: string;
  arch: string;
  /** The card's validation Dice (on the teachers' own split): how the "best" teacher is chosen, without test labels. */
  valDice: number;
  /** Epochs it trained (its recipe's, or fewer where the time cap cut it short). */
  epochsRun: number;
  trainSeconds: number | null;
}

function teacherInfo(t: TeacherRecipe): TeacherInfo {
  const card = JSON.parse(readFileSync(cardOf(t), 'utf8')) as { metrics: { val_dice: number } };
  const timing = join(out, 'teachers', t.name, 'timing.json');
  return {
    name: t.name,
    card: cardOf(t),
    arch: t.arch,
    valDice: card.metrics.val_dice,
    epochsRun: (
      JSON.parse(readFileSync(join(out, 'teachers', t.name, 'run', 'training.json'), 'utf8')) as {
        result: { epochsRun: number };
      }
    ).result.epochsRun,
    trainSeconds: existsSync(timing)
      ? (JSON.parse(readFileSync(timing, 'utf8')) as { trainSeconds: number }).trainSeconds
      : null,
  };
}

interface StudentRecord {
  /** Input channels the student was built with, and the pipeline's reason. */
  channels: number;
  channelsReason: string;
  /** Epochs run, and the optimizer steps they made (epochs x steps per epoch, from training/training.json). */
  epochs: number;
  steps: number;
  stepsPerEpoch: number;
  /** Length asked for: the spec's student.steps / student.epochs (epochs wins when set). */
  asked: { steps: number | null; epochs: number | null };
  bestEpoch: number;
  bestValDice: number;
  trainSeconds: number;
}

interface Row {
  row: 'a' | 'a+' | 'b' | 'c';
  seed: number;
  what: string;
  teachers: string[];
  fusion: { method: string; why: string | null };
  /** Test Dice of each source the run scored: its teachers, the fused label (several teachers), the student. */
  dice: { teachers: Record<string, number>; fused: number | null; student: number };
  /**
   * Mean Dice of the pseudo-labels the student learned from against the transferal frames' own masks,
   * withheld from the run: how good its labels were (the student is judged on other frames, the test set).
   */
  labelDice?: number;
  student: StudentRecord;
  seconds: number;
}

function studentRecord(r: TransferSummary, asked: StudentRecord['asked']): StudentRecord {
  const tj = JSON.parse(readFileSync(join(r.out, 'training', 'training.json'), 'utf8')) as {
    input: { channels: number };
    options: { batchSize: number; stepsPerEpoch: number | null };
    data: { trainImages: number };
    result: { epochsRun: number };
  };
  const perEpoch = Math.min(
    Math.ceil(tj.data.trainImages / tj.options.batchSize),
    tj.options.stepsPerEpoch ?? Infinity,
  );
  if (tj.input.channels !== r.training.channels)
    throw new Error(
      `${r.out}: summary says ${r.training.channels} channels, training.json ${tj.input.channels}`,
    );
  return {
    channels: r.training.channels,
    channelsReason: r.training.channelsReason,
    epochs: tj.result.epochsRun,
    steps: tj.result.epochsRun * perEpoch,
    stepsPerEpoch: perEpoch,
    asked,
    bestEpoch: r.training.bestEpoch,
    bestValDice: r.training.bestValDice,
    trainSeconds: r.training.seconds,
  };
}

/** Mean per-frame Dice of a run's pseudo-labels against Kvasir-SEG's masks of the same frames. */
async function labelDiceOf(runDir: string): Promise<number> {
  const { readImageFile } = await import('../../electron/io/read.js');
  const { dice } = await import('../../electron/engine/metrics/index.js');
  const labels = join(runDir, 'pseudo-labels', 'labels');
  const files = readdirSync(labels).filter((f) => f.endsWith('.png'));
  let sum = 0;
  for (const f of files) {
    const label = (await readImageFile(join(labels, f))).slices[0]!.pixels;
    const truth = (await readImageFile(join(kvasir, 'masks', f))).slices[0]!.pixels;
    sum += dice(label, truth);
  }
  return sum / files.length;
}

async function transfers(data: KvasirSplit): Promise<void> {
  const { runTransfer } = await import('../../electron/transfer/pipeline.js');
  const { parseSpec } = await import('../../electron/transfer/spec-file.js');
  const { initCompute } = await import('../../electron/engine/backend.js');
  await initCompute();
  const teachers = TEACHERS.map(teacherInfo);
  const best = [...teachers].sort((x, y) => y.valDice - x.valDice)[0]!;
  const only = new Set(opt.only.split(','));
  const resultsFile = `${out}.json`;
  // Rows already measured (same row, seed and settings) are kept, so a stopped run continues.
  const rows: Row[] = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as { rows: Row[] }).rows
    : [];

  async function transfer(
    row: Row['row'],
    seed: number,
    what: string,
    names: TeacherInfo[],
    extra: Partial<TransferSpecInput>,
  ): Promise<void> {
    if (!opt.fresh && rows.some((r) => r.row === row && r.seed === seed)) return;
    const name = `${row}-seed${seed}`;
    const s: TransferSpecInput = {
      name,
      teachers: names.map((t) => t.card),
      transferal: { images: data.transferal },
      test: data.test,
      seed,
      out: join(out, 'runs', name),
      ...extra,
      student: { ...STUDENT, ...extra.student },
    };
    const t0 = Date.now();
    process.stdout.write(`${name} (${what}): `);
    const parsed = parseSpec(s, out, name);
    const r = await runTransfer(parsed, {
      fresh: opt.fresh,
      onProgress: (p) => {
        if (p.train?.phase === 'checkpoint') process.stdout.write('.');
      },
    });
    const seconds = (Date.now() - t0) / 1000;
    console.log(` ${(seconds / 60).toFixed(1)} min`);
    const scores = r.test!.scores;
    const fusion = (r as { fusion?: { method: string; why: string } | null }).fusion ?? null;
    rows.push({
      row,
      seed,
      what,
      teachers: r.teachers,
      fusion: { method: fusion?.method ?? s.fusion?.method ?? 'default', why: fusion?.why ?? null },
      dice: {
        teachers: Object.fromEntries(
          scores.filter((x) => x.kind === 'teacher').map((x) => [x.source, x.dice]),
        ),
        fused: scores.find((x) => x.kind === 'fused')?.dice ?? null,
        student: scores.find((x) => x.kind === 'student')!.dice,
      },
      labelDice: await labelDiceOf(r.out),
      student: studentRecord(r, {
        steps: parsed.student.epochs === undefined ? parsed.student.steps : null,
        epochs: parsed.student.epochs ?? null,
      }),
      seconds,
    });
    writeResults(teachers, best, rows);
  }

  // Rows measured before the label Dice was recorded get it from their run folder.
  for (const r of rows) r.labelDice ??= await labelDiceOf(join(out, 'runs', `${r.row}-seed${r.seed}`));
  for (const [k, seed] of seeds.entries()) {
    // (b) The best teacher with the defaults: channels, length and fusion unset. First, as the row that
    // says whether the defaults work.
    if (only.has('b'))
      await transfer('b', seed, 'best teacher, defaults', [best], opt.quick ? { student: { steps: 4 } } : {});
    // (a) The old behaviour: grey student, a fixed 20 epochs, the old fusion (mean at 0.5).
    if (k === 0 && only.has('a'))
      await transfer('a', seed, 'best teacher, old behaviour', [best], {
        fusion: { method: 'mean', threshold: 0.5 },
        student: { channels: 1, epochs: opt.quick ? 1 : 20 },
      });
    // (c) The three teachers with the defaults.
    if (only.has('c'))
      await transfer(
        'c',
        seed,
        'three teachers, defaults',
        teachers,
        opt.quick ? { student: { steps: 4 } } : {},
      );
    // (a+) Between (a) and (b): the old labels (mean at 0.5) and the default student, to tell what the
    // student's channels and length do from what the fusion does.
    if (k === 0 && only.has('a+'))
      await transfer('a+', seed, 'best teacher, old fusion, default student', [best], {
        fusion: { method: 'mean', threshold: 0.5 },
        ...(opt.quick ? { student: { steps: 4 } } : {}),
      });
  }
  writeResults(teachers, best, rows);
}

function writeResults(teachers: TeacherInfo[], best: TeacherInfo, measured: Row[]): void {
  const rows = [...measured].sort((x, y) => x.seed - y.seed || x.row.localeCompare(y.row));
  const f4 = (x: number | null) => (x === null ? '' : x.toFixed(4));
  const teacherTest = (name: string) => {
    const r = rows.find((x) => name in x.dice.teachers);
    return r ? r.dice.teachers[name]! : null;
  };
  const split = JSON.parse(readFileSync(join(out, 'data', 'split.json'), 'utf8')) as Record<string, string[]>;
  const lines = [
    `# Colour pairing: Kvasir-SEG (RGB), three colour teachers -> student`,
    '',
    `Kvasir-SEG (Jha et al., MMM 2020), split with seed ${SPLIT_SEED}: ${split.teachers!.length} frames train the teachers, ` +
      `${split.transferal!.length} are the unlabeled transferal set, ${split.test!.length} are the test set. ` +
      `Teachers: 3 input channels, ${size} px, \`apprentice train --channels 3\` + \`apprentice export\` (ONNX + card). ` +
      `Students: ${STUDENT.arch} width ${STUDENT.width} at ${STUDENT.size} px, every row alike. ` +
      `Best teacher (by its card's validation Dice): ${best.name}. Reproduce: \`npm run bench:colour -- --seeds ${seeds.join(',')}\`.`,
    '',
    '| teacher | architecture | epochs | card val Dice | test Dice | training minutes |',
    '|---|---|---|---|---|---|',
    ...teachers.map(
      (t) =>
        `| ${t.name} | ${t.arch} | ${t.epochsRun} | ${f4(t.valDice)} | ${f4(teacherTest(t.name))} | ${t.trainSeconds === null ? '' : (t.trainSeconds / 60).toFixed(1)} |`,
    ),
    '',
    '| row | seed | teachers | fusion | label Dice (transferal, withheld masks) | fused label Dice (test) | student Dice (test) | student channels | epochs / steps | minutes |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| (${r.row}) ${r.what} | ${r.seed} | ${r.teachers.join(', ')} | ${r.fusion.method} | ${f4(r.labelDice ?? null)} | ${f4(r.dice.fused)} | ${f4(r.dice.student)} | ${r.student.channels} | ${r.student.epochs} / ${r.student.steps} | ${(r.seconds / 60).toFixed(1)} |`,
    ),
    '',
    ...rows.map(
      (r) =>
        `- (${r.row}) seed ${r.seed}: channels: ${r.student.channelsReason}. Fusion: ${(r.fusion.why ?? r.fusion.method).replace(/\.$/, '')}.`,
    ),
  ];
  writeFileSync(`${out}.md`, lines.join('\n') + '\n');
  writeFileSync(
    `${out}.json`,
    JSON.stringify(
      {
        split: { seed: SPLIT_SEED, ...SPLIT },
        teacherSize: size,
        student: STUDENT,
        teachers,
        best: best.name,
        rows,
      },
      null,
      1,
    ),
  );
}

const data = splitData();
if (opt.stage === 'teachers' || opt.stage === 'all') trainTeachers(data);
if (opt.stage === 'transfer' || opt.stage === 'all') await transfers(data);
