/** Messages between a training worker and the process that started it (plain, structured-clone data). */
import type { ComputeBackendChoice } from '../../shared/compute.js';
import type { ErrorPayload } from '../../shared/errors.js';
import type { TrainJobRequest, TrainJobResult } from '../students/run.js';
import type { TrainProgress } from '../students/trainer.js';

export interface TrainWorkerData {
  request: TrainJobRequest;
  /** Int32 flag: non-zero asks the worker to stop between steps. */
  stopFlag: SharedArrayBuffer;
  backend?: ComputeBackendChoice;
}

export type WorkerMessage =
  | { type: 'phase'; phase: string }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; result: TrainJobResult }
  | { type: 'error'; error: ErrorPayload };
