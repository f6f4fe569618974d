/**
 * A whole knowledge transfer from one run spec: pseudo-label the transferal set with every teacher and
 * fuse, train the student on those labels, optionally fine-tune it on a few labeled images, score
 * teachers, fused label and student on the test set, export the student (TF.js + ONNX + card) and write
 * the report. Each finished stage is recorded in OUT/transfer-state.json, so running the same spec again
 * after an interruption continues where it stopped; training resumes from its last epoch checkpoint.
 *
 *   OUT/pseudo-labels/   maps/<teacher>/, fused/, labels/ (the training targets), review-queue.csv
 *   OUT/training/        the transfer run (checkpoints/, model/, training.json)
 *   OUT/finetune/        the fine-tuning run, when asked for
 *   OUT/test/            teachers' and fused masks on the test set
 *   OUT/student/         the exported student: tfjs/, NAME.onnx, NAME.json (card)
 *   OUT/metrics.json, metrics.csv, report.html
 */
import { FINETUNE, minLearningRate, RECIPE } from '../../shared/recipe.js';
import { studentChannels, type StudentChannels } from './student-channels.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import {
  TRANSFER_STAGES,
  type TransferSpec,
  type TransferStage,
  type TransferSummary,
} from '../../shared/transfer.js';
import { initCompute } from '../engine/backend.js';
import { DEFAULT_AUGMENT } from '../students/augment.js';
import { hasCheckpoint } from '../students/checkpoint.js';
import { CHECKPOINT_DIR } from '../students/outputs.js';
import type { TrainJobRequest, TrainJobResult } from '../students/run.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainProgress } from '../students/trainer.js';
import { resolveConfig } from '../engine/zoo/index.js';
import { exportStudent } from '../students/export/export-student.js';
import { ensureWritableDir } from '../students/outputs.js';
import { loadTeacherCard } from '../teachers/card.js';
import { openTeacher } from '../teachers/open.js';
import type { TeacherRunner } from '../teachers/runner.js';
import { APP_VERSION } from '../util/version.js';
import { runTrainingInWorker } from '../workers/run-train-worker.js';
import { evaluateOnTest, type SourceEvaluation } from './evaluate.js';
import { checkSpecPaths } from './preflight.js';
import { pseudoLabel, type PseudoLabelResult, type StageHooks } from './pseudo-label.js';
import { scoresOf, writeTransferReport, type ReportFiles, type RunRecord } from './report.js';
import { replacesUnfinishedRun, RunState, SPEC_FILE } from './run-state.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface TransferProgress {
  /** Every stage this spec runs, in order. */
  stages: TransferStage[];
  stage: TransferStage;
  /** 1-based position among the stages this spec runs. */
  index: number;
  count: number;
  phase: string;
  done?: number;
  total?: number;
  train?: TrainProgress;
}

export interface TransferHooks {
  signal?: AbortSignal;
  onProgress?(p: TransferProgress): void;
  /** Discard an earlier run's ledger in OUT and start from the first stage. */
  fresh?: boolean;
}

type TrainRecord = RunRecord['training'] & {
  seconds: number;
  epochsRun: number;
  modelDir: string;
  /** The student's input channels and why (transfer only; a fine-tuned student keeps them). */
  channels?: StudentChannels;
};

/** The stages a spec runs: fine-tuning and evaluation only when their data is given. */
export function stagesOf(spec: TransferSpec): TransferStage[] {
  return TRANSFER_STAGES.filter(
    (s) => (s !== 'finetune' || spec.finetune !== undefined) && (s !== 'evaluate' || spec.test !== undefined),
  );
}

/** The folders a run writes in OUT (report files are rewritten at the end). */
export const OUTPUT_DIRS = ['pseudo-labels', 'training', 'finetune', 'test', 'student'];

/** What a training stage trains: the student from scratch (with its input channels), or its fine-tuning. */
type TrainTarget = { kind: 'train'; channels: StudentChannels } | { kind: 'finetune' };

function trainRequest(spec: TransferSpec, target: TrainTarget, teachers: string[]): TrainJobRequest {
  const kind = target.kind;
  const common = {
    ...DEFAULT_TRAIN_OPTIONS,
    seed: spec.seed,
    augment: spec.student.augment ? DEFAULT_AUGMENT : null,
    batchSize: spec.student.batchSize,
  };
  const outDir = join(spec.out, kind === 'train' ? 'training' : 'finetune');
  const resume = hasCheckpoint(join(outDir, CHECKPOINT_DIR));
  const caseRegex = spec.caseRegex ? { caseRegex: spec.caseRegex } : {};
  if (target.kind === 'train') {
    const s = spec.student;
    return {
      name: spec.name,
      data: {
        kind: 'folders',
        images: spec.transferal.images,
        masks: join(spec.out, 'pseudo-labels', 'labels'),
        ...caseRegex,
      },
      model: {
        kind: 'zoo',
        config: resolveConfig(s.arch, {
          size: s.size,
          width: s.width,
          depth: s.depth,
          inChannels: target.channels.channels,
          seed: spec.seed,
        }),
      },
      options: {
        ...common,
        // Without an epoch count the run is sized by steps; the epoch limit is then only a cap.
        epochs: s.epochs ?? RECIPE.epochs.max,
        steps: s.epochs === undefined ? s.steps : null,
        learningRate: s.learningRate,
        minLearningRate: minLearningRate(s.learningRate),
        patience: s.patience,
      },
      split: { valFraction: spec.student.valFraction },
      outDir,
      resume,
      teachers,
    };
  }
  const f = spec.finetune!;
  return {
    name: `${spec.name}-finetuned`,
    data: { kind: 'folders', images: f.images, masks: f.masks, ...caseRegex },
    model: { kind: 'model', dir: join(spec.out, 'training', 'model') },
    options: {
      ...common,
      epochs: f.epochs,
      learningRate: f.learningRate,
      minLearningRate: minLearningRate(f.learningRate),
      warmupSteps: FINETUNE.warmupSteps,
      patience: spec.student.patience,
      freezeEncoder: f.freezeEncoder,
    },
    split: { valFraction: f.valFraction },
    outDir,
    resume,
    teachers,
  };
}

function trainRecord(r: TrainJobResult): TrainRecord {
  return {
    name: r.name,
    history: r.history,
    bestEpoch: r.bestEpoch,
    bestValDice: r.bestValDice,
    seconds: r.seconds,
    epochsRun: r.epochsRun,
    modelDir: r.modelDir,
  };
}

/** The spec's teachers, opened (all or none); two teachers of one name are refused. */
export async function openTeachers(spec: TransferSpec): Promise<TeacherRunner[]> {
  const runners: TeacherRunner[] = [];
  try {
    for (const file of spec.teachers) runners.push(await openTeacher(loadTeacherCard(file)));
  } catch (err) {
    await Promise.all(runners.map((r) => r.dispose()));
    throw err;
  }
  const names = runners.map((r) => r.name);
  const dup = names.find((n, k) => names.indexOf(n) !== k);
  if (dup !== undefined) {
    await Promise.all(runners.map((r) => r.dispose()));
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Two teachers are named "${dup}": give each card its own name`,
    );
  }
  return runners;
}

/** Stage 1: the transferal set's pseudo-labels (taken from the ledger when that stage is done). */
async function pseudoLabelStage(
  spec: TransferSpec,
  state: RunState,
  teachers: readonly TeacherRunner[],
  hooks: StageHooks,
): Promise<PseudoLabelResult> {
  if (!state.done('pseudo-label')) state.finish('pseudo-label', await pseudoLabel(spec, teachers, hooks));
  return state.result<PseudoLabelResult>('pseudo-label');
}

/**
 * Stage 4: teachers, fused label and students on the test set (none without a test set); the fused row
 * reuses the fusion weights estimated on the transferal set.
 */
async function evaluateStage(
  spec: TransferSpec,
  state: RunState,
  teachers: readonly TeacherRunner[],
  models: { trained: TrainRecord; tuned: TrainRecord | null },
  pseudo: PseudoLabelResult,
  hooks: StageHooks,
): Promise<SourceEvaluation[]> {
  const test = spec.test;
  if (!test) return [];
  if (!state.done('evaluate')) {
    // The kind column says "student": the rows carry the student's own name.
    const students = [{ name: spec.name, modelDir: models.trained.modelDir }];
    if (models.tuned) {
      students[0]!.name = `${spec.name} (before fine-tuning)`;
      students.push({ name: `${spec.name} (fine-tuned)`, modelDir: models.tuned.modelDir });
    }
    state.finish(
      'evaluate',
      await evaluateOnTest({ ...spec, test }, teachers, students, hooks, pseudo.fusion),
    );
  }
  return state.result<SourceEvaluation[]>('evaluate');
}

/** Stage 6: metrics.json, metrics.csv and report.html, rewritten on every run. */
function reportStage(state: RunState, record: RunRecord): ReportFiles {
  const files = writeTransferReport(record);
  state.finish('report', files);
  return files;
}

export async function runTransfer(spec: TransferSpec, hooks: TransferHooks = {}): Promise<TransferSummary> {
  const t0 = performance.now();
  await checkSpecPaths(spec);
  ensureWritableDir(spec.out, 'output folder');
  // Starting afresh also drops the earlier run's checkpoints, or training would resume from them; so does
  // replacing another spec's run that finished no stage (its partial outputs are not this run's).
  const startOver = hooks.fresh === true || replacesUnfinishedRun(spec.out, spec);
  if (startOver) for (const d of OUTPUT_DIRS) rmSync(join(spec.out, d), { recursive: true, force: true });
  const state = RunState.open(spec.out, spec, startOver);
  writeFileAtomic(join(spec.out, SPEC_FILE), JSON.stringify(spec, null, 1));
  const stages = stagesOf(spec);
  const resumed = stages.filter((s) => state.done(s));
  const throwIfCancelled = () => {
    if (hooks.signal?.aborted)
      throw new AppError(
        ErrorCode.CANCELLED,
        `Transfer stopped; run the same spec again to continue (${spec.out})`,
      );
  };
  const report = (stage: TransferStage, phase: string, extra: Partial<TransferProgress> = {}) =>
    hooks.onProgress?.({
      stages,
      stage,
      index: stages.indexOf(stage) + 1,
      count: stages.length,
      phase,
      ...extra,
    });

  // Evaluation and export run tfjs in this thread: on the fast backend, not tfjs' JS default.
  await initCompute();
  const teachers = await openTeachers(spec);
  const teacherNames = teachers.map((t) => t.name);
  try {
    const stageHooks = (stage: TransferStage) => ({
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onProgress: (phase: string, done?: number, total?: number) =>
        report(stage, phase, { ...(done !== undefined ? { done, total } : {}) }),
    });
    const runTraining = async (target: TrainTarget): Promise<TrainRecord> => {
      const stage = target.kind;
      const req = trainRequest(spec, target, teacherNames);
      const r = await runTrainingInWorker(req, {
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        onPhase: (phase) => report(stage, phase),
        onProgress: (p) =>
          report(stage, `epoch ${p.epoch}/${p.epochs}`, {
            done: p.globalStep,
            total: p.steps * p.epochs,
            train: p,
          }),
      });
      if (r.cancelled) throwIfCancelled();
      if (r.bestEpoch === null)
        throw new AppError(ErrorCode.INTERNAL, `${stage}: no epoch finished, so there is no model to keep`);
      return { ...trainRecord(r), ...(target.kind === 'train' ? { channels: target.channels } : {}) };
    };

    // 1. Pseudo-labels.
    report('pseudo-label', 'opening teachers');
    const pseudo = await pseudoLabelStage(spec, state, teachers, stageHooks('pseudo-label'));
    throwIfCancelled();

    // 2. The student on the pseudo-labels; 3. fine-tuning on the labeled few.
    if (!state.done('train'))
      state.finish(
        'train',
        await runTraining({ kind: 'train', channels: await studentChannels(spec, teachers) }),
      );
    const trained = state.result<TrainRecord>('train');
    throwIfCancelled();
    if (spec.finetune && !state.done('finetune'))
      state.finish('finetune', await runTraining({ kind: 'finetune' }));
    const tuned = spec.finetune ? state.result<TrainRecord>('finetune') : null;
    throwIfCancelled();
    const finalModel = tuned ?? trained;

    // 4. Scores on the test set.
    const evaluations = await evaluateStage(
      spec,
      state,
      teachers,
      { trained, tuned },
      pseudo,
      stageHooks('evaluate'),
    );
    throwIfCancelled();

    // 5. The student as files; 6. the report.
    if (!state.done('export')) {
      report('export', 'exporting TF.js + ONNX + card');
      const e = await exportStudent({
        student: join(finalModel.modelDir, '..'),
        out: join(spec.out, 'student'),
        name: spec.name,
        appVersion: APP_VERSION,
      });
      state.finish('export', { dir: e.tfjs, card: e.card, onnx: e.onnx });
    }
    const exported = state.result<RunRecord['exported']>('export');
    report('report', 'writing the report');
    const files = reportStage(state, {
      spec,
      appVersion: APP_VERSION,
      pseudo,
      training: trained,
      finetune: tuned,
      evaluations,
      exported,
    });
    // The last word of the run: a screen showing the latest phase must not read "writing the report".
    report('report', 'all stages done');

    const fit = (r: TrainRecord) => ({
      epochs: r.epochsRun,
      bestEpoch: r.bestEpoch ?? 0,
      bestValDice: r.bestValDice ?? NaN,
      seconds: r.seconds,
    });
    const channels = trained.channels ?? { channels: 1, reason: 'a run from before channels were recorded' };
    return {
      name: spec.name,
      out: spec.out,
      seed: spec.seed,
      teachers: teacherNames,
      transferal: {
        images: pseudo.images,
        labeled: pseudo.labeled,
        corrected: pseudo.corrected,
        failed: pseudo.failed,
      },
      test: spec.test
        ? { images: evaluations[0]?.evaluation.summary.n ?? 0, scores: scoresOf(evaluations) }
        : null,
      training: { ...fit(trained), channels: channels.channels, channelsReason: channels.reason },
      finetune: tuned ? fit(tuned) : null,
      export: exported,
      report: files,
      fusion: pseudo.fusion ?? null,
      resumed,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await Promise.all(teachers.map((t) => t.dispose()));
  }
}
