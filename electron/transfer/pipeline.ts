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
import { exportStudent } from '../students/export/export-student.js';
import { ensureWritableDir } from '../students/outputs.js';
import type { TrainProgress } from '../students/trainer.js';
import { loadTeacherCard } from '../teachers/card.js';
import { openTeacher } from '../teachers/open.js';
import { teacherProviders, type TeacherRunner } from '../teachers/runner.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { APP_VERSION } from '../util/version.js';
import { evaluateOnTest, type SourceEvaluation } from './evaluate.js';
import { checkSpecPaths } from './preflight.js';
import { pseudoLabel, type PseudoLabelResult, type StageHooks } from './pseudo-label.js';
import { scoresOf, writeTransferReport, type ReportFiles, type RunRecord } from './report.js';
import { replacesUnfinishedRun, RunState, SPEC_FILE } from './run-state.js';
import { studentChannels } from './student-channels.js';
import { trainStage, type TrainRecord } from './train-stage.js';

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
  /** Something the user should know about how the run computes (a teacher's GPU provider fell back to the CPU). */
  onNotice?(message: string): void;
}

/** The stages a spec runs: fine-tuning and evaluation only when their data is given. */
export function stagesOf(spec: TransferSpec): TransferStage[] {
  return TRANSFER_STAGES.filter(
    (s) => (s !== 'finetune' || spec.finetune !== undefined) && (s !== 'evaluate' || spec.test !== undefined),
  );
}

/** The folders a run writes in OUT (report files are rewritten at the end). */
export const OUTPUT_DIRS = ['pseudo-labels', 'training', 'finetune', 'test', 'student'];

/**
 * The spec's teachers, opened (all or none); two teachers of one name are refused. Each on the provider
 * APPRENTICE_TEACHER_PROVIDER asks for (auto: the GPU where there is one), told to `onNotice` when it
 * falls back to the CPU.
 */
export async function openTeachers(
  spec: TransferSpec,
  onNotice?: (message: string) => void,
): Promise<TeacherRunner[]> {
  const runners: TeacherRunner[] = [];
  try {
    for (const file of spec.teachers)
      runners.push(await openTeacher(loadTeacherCard(file), onNotice ? { onNotice } : {}));
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

/** Reports a stage's progress with its place among the spec's stages. */
type StageReport = (stage: TransferStage, phase: string, extra?: Partial<TransferProgress>) => void;

/**
 * The output folder made ready and its ledger opened. Starting afresh also drops the earlier run's
 * checkpoints, or training would resume from them; so does replacing another spec's run that finished
 * no stage (its partial outputs are not this run's).
 */
function openRun(spec: TransferSpec, fresh: boolean): RunState {
  ensureWritableDir(spec.out, 'output folder');
  const startOver = fresh || replacesUnfinishedRun(spec.out, spec);
  if (startOver) for (const d of OUTPUT_DIRS) rmSync(join(spec.out, d), { recursive: true, force: true });
  const state = RunState.open(spec.out, spec, startOver);
  writeFileAtomic(join(spec.out, SPEC_FILE), JSON.stringify(spec, null, 1));
  return state;
}

/** Stages 2 and 3: the student on the pseudo-labels, then its fine-tuning on the labeled few. */
async function trainingStages(
  spec: TransferSpec,
  state: RunState,
  teachers: readonly TeacherRunner[],
  report: StageReport,
  hooks: TransferHooks,
  throwIfCancelled: () => void,
): Promise<{ trained: TrainRecord; tuned: TrainRecord | null }> {
  const names = teachers.map((t) => t.name);
  const stageHooks = (stage: TransferStage) => ({
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onPhase: (phase: string) => report(stage, phase),
    onStep: (p: TrainProgress) =>
      report(stage, `epoch ${p.epoch}/${p.epochs}`, {
        done: p.globalStep,
        total: p.steps * p.epochs,
        train: p,
      }),
    throwIfCancelled,
  });
  if (!state.done('train')) {
    const target = { kind: 'train', channels: await studentChannels(spec, teachers) } as const;
    state.finish('train', await trainStage(spec, target, names, stageHooks('train')));
  }
  throwIfCancelled();
  if (spec.finetune && !state.done('finetune'))
    state.finish('finetune', await trainStage(spec, { kind: 'finetune' }, names, stageHooks('finetune')));
  throwIfCancelled();
  return {
    trained: state.result<TrainRecord>('train'),
    tuned: spec.finetune ? state.result<TrainRecord>('finetune') : null,
  };
}

/** Stage 5: the final student (fine-tuned, else trained) as TF.js + ONNX + card. */
async function exportStage(
  spec: TransferSpec,
  state: RunState,
  finalModel: TrainRecord,
  report: StageReport,
): Promise<RunRecord['exported']> {
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
  return state.result<RunRecord['exported']>('export');
}

/** The run's summary: what the CLI prints, the job returns and the project keeps. */
function summaryOf(
  record: RunRecord,
  { trained, tuned }: { trained: TrainRecord; tuned: TrainRecord | null },
  teachers: string[],
  resumed: TransferStage[],
  files: ReportFiles,
  seconds: number,
): TransferSummary {
  const { spec, pseudo, evaluations } = record;
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
    teachers,
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
    export: record.exported,
    report: files,
    fusion: pseudo.fusion ?? null,
    resumed,
    seconds,
  };
}

export async function runTransfer(spec: TransferSpec, hooks: TransferHooks = {}): Promise<TransferSummary> {
  const t0 = performance.now();
  await checkSpecPaths(spec);
  const state = openRun(spec, hooks.fresh === true);
  const stages = stagesOf(spec);
  const resumed = stages.filter((s) => state.done(s));
  const throwIfCancelled = () => {
    if (hooks.signal?.aborted)
      throw new AppError(
        ErrorCode.CANCELLED,
        `Transfer stopped; run the same spec again to continue (${spec.out})`,
      );
  };
  const report: StageReport = (stage, phase, extra = {}) =>
    hooks.onProgress?.({
      stages,
      stage,
      index: stages.indexOf(stage) + 1,
      count: stages.length,
      phase,
      ...extra,
    });
  const stageHooks = (stage: TransferStage): StageHooks => ({
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onProgress: (phase: string, done?: number, total?: number) =>
      report(stage, phase, { ...(done !== undefined ? { done, total } : {}) }),
  });

  // Evaluation and export run tfjs in this thread: on the fast backend, not tfjs' JS default.
  await initCompute();
  const teachers = await openTeachers(spec, hooks.onNotice);
  try {
    // 1. Pseudo-labels; 2. the student; 3. its fine-tuning; 4. scores on the test set.
    report('pseudo-label', 'opening teachers');
    const pseudo = await pseudoLabelStage(spec, state, teachers, stageHooks('pseudo-label'));
    throwIfCancelled();
    const models = await trainingStages(spec, state, teachers, report, hooks, throwIfCancelled);
    const evaluations = await evaluateStage(spec, state, teachers, models, pseudo, stageHooks('evaluate'));
    throwIfCancelled();
    // 5. The student as files; 6. the report.
    const exported = await exportStage(spec, state, models.tuned ?? models.trained, report);
    const record: RunRecord = {
      spec,
      appVersion: APP_VERSION,
      pseudo,
      training: models.trained,
      finetune: models.tuned,
      evaluations,
      exported,
      teacherProviders: teacherProviders(teachers),
    };
    report('report', 'writing the report');
    const files = reportStage(state, record);
    // The last word of the run: a screen showing the latest phase must not read "writing the report".
    report('report', 'all stages done');
    const names = teachers.map((t) => t.name);
    const summary = summaryOf(record, models, names, resumed, files, (performance.now() - t0) / 1000);
    return { ...summary, teacherProviders: record.teacherProviders! };
  } finally {
    await Promise.all(teachers.map((t) => t.dispose()));
  }
}
