/** Messages between a training worker and the process that started it (plain, structured-clone data). */
import type { ComputeBackendChoice } from '../../shared/compute.js';
import type { ErrorPayload } from '../../shared/errors.js';
import type { MessagePort } from 'node:worker_threads';
import type { DataSource, TrainJobRequest, TrainJobResult } from '../students/run.js';
import type { SampleRef } from '../students/samples/source.js';
import type { TrainProgress } from '../students/trainer.js';

/** A request as it crosses to the worker: a `source` becomes its refs, served over `samplePort`. */
export type WorkerRequest = Omit<TrainJobRequest, 'data'> & {
  data: Exclude<DataSource, { kind: 'source' }> | { kind: 'served'; refs: SampleRef[]; description: string };
};

export interface TrainWorkerData {
  request: WorkerRequest;
  /** Where a served source's samples are asked for (kind 'served'). */
  samplePort?: MessagePort;
  /** Int32 flag: non-zero asks the worker to stop between steps. */
  stopFlag: SharedArrayBuffer;
  backend?: ComputeBackendChoice;
}

export type WorkerMessage =
  | { type: 'phase'; phase: string }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; result: TrainJobResult }
  | { type: 'error'; error: ErrorPayload };
