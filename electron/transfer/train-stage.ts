/**
 * Stages 2 and 3 of a transfer: the student trained on the fused pseudo-labels (from the zoo, with the
 * input channels the teachers and images call for), and its fine-tuning on the labeled few. Both run in
 * the training worker, resume from their last epoch checkpoint, and are kept in the ledger as a record.
 */
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { FINETUNE, minLearningRate, RECIPE } from '../../shared/recipe.js';
import type { TransferSpec } from '../../shared/transfer.js';
import { resolveConfig } from '../engine/zoo/index.js';
import { DEFAULT_AUGMENT } from '../students/augment.js';
import { hasCheckpoint } from '../students/checkpoint.js';
import { CHECKPOINT_DIR } from '../students/outputs.js';
import type { TrainJobRequest, TrainJobResult } from '../students/run.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainProgress } from '../students/trainer.js';
import { runTrainingInWorker } from '../workers/run-train-worker.js';
import type { RunRecord } from './report.js';
import type { StudentChannels } from './student-channels.js';

/** A finished training stage as the ledger keeps it. */
export type TrainRecord = RunRecord['training'] & {
  seconds: number;
  epochsRun: number;
  modelDir: string;
  /** The student's input channels and why (transfer only; a fine-tuned student keeps them). */
  channels?: StudentChannels;
};

/** What a training stage trains: the student from scratch (with its input channels), or its fine-tuning. */
export type TrainTarget = { kind: 'train'; channels: StudentChannels } | { kind: 'finetune' };

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

export interface TrainStageHooks {
  signal?: AbortSignal;
  onPhase(phase: string): void;
  onStep(p: TrainProgress): void;
  /** Throws the transfer's own "stopped" error when the run was cancelled. */
  throwIfCancelled(): void;
}

/** Runs one training stage in the worker and returns its record; a run with no finished epoch fails. */
export async function trainStage(
  spec: TransferSpec,
  target: TrainTarget,
  teachers: string[],
  hooks: TrainStageHooks,
): Promise<TrainRecord> {
  const r = await runTrainingInWorker(trainRequest(spec, target, teachers), {
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onPhase: hooks.onPhase,
    onProgress: hooks.onStep,
  });
  if (r.cancelled) hooks.throwIfCancelled();
  if (r.bestEpoch === null)
    throw new AppError(ErrorCode.INTERNAL, `${target.kind}: no epoch finished, so there is no model to keep`);
  return { ...trainRecord(r), ...(target.kind === 'train' ? { channels: target.channels } : {}) };
}
