/**
 * One progress report of each job kind, typed by the job protocol (shared/jobs.ts): the mapped type makes
 * this fail to compile when a kind is added without one, or when a kind's detail or result changes shape.
 */
import type { JobKind, JobOf, TrainStepDetail } from '../../shared/jobs.js';

const base = { state: 'running' as const, done: 3, total: 10, startedAt: '2026-01-01T00:00:00.000Z' };
const step: TrainStepDetail = {
  epoch: 2,
  epochs: 5,
  step: 4,
  steps: 4,
  loss: 0.4321,
  learningRate: 1e-3,
  msPerStep: 12,
  validated: true,
  valDice: 0.8123,
  valIou: 0.7,
};

export const JOB_EVENTS: { [K in JobKind]: JobOf<K> } = {
  import: { ...base, jobId: 'j-import', kind: 'import', phase: 'decoding' },
  'pseudo-label': {
    ...base,
    jobId: 'j-pl',
    kind: 'pseudo-label',
    phase: 'labelling',
    detail: { failedImages: 1 },
  },
  train: { ...base, jobId: 'j-train', kind: 'train', phase: 'epoch 2/5 (validated)', detail: step },
  finetune: { ...base, jobId: 'j-ft', kind: 'finetune', phase: 'epoch 2/5 (validated)', detail: step },
  evaluate: { ...base, jobId: 'j-eval', kind: 'evaluate', phase: 'evaluating' },
  export: { ...base, jobId: 'j-export', kind: 'export', phase: 'exporting' },
  'export-masks': { ...base, jobId: 'j-masks', kind: 'export-masks', phase: 'exporting' },
  transfer: {
    ...base,
    jobId: 'j-transfer',
    kind: 'transfer',
    phase: '2/4 train: epoch 2/5 (validated)',
    detail: {
      stages: ['pseudo-label', 'train', 'export', 'report'],
      stage: 2,
      activity: 'epoch 2/5',
      train: step,
    },
  },
};
