/**
 * Starts a training worker and turns its messages into callbacks and a promise. An AbortSignal stops
 * the run between steps (the last epoch checkpoint stays the resume point); the promise then resolves
 * with `cancelled: true`. The worker starts through util/worker.ts (built JavaScript or tsx sources).
 */
import type { ComputeBackendChoice } from '../../shared/compute.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TrainJobRequest, TrainJobResult } from '../students/run.js';
import type { TrainProgress } from '../students/trainer.js';
import { startModuleWorker } from '../util/worker.js';
import type { TrainWorkerData, WorkerMessage } from './train-protocol.js';

export interface WorkerCallbacks {
  onPhase?(phase: string): void;
  onProgress?(p: TrainProgress): void;
  signal?: AbortSignal;
  backend?: ComputeBackendChoice;
}

export function runTrainingInWorker(
  request: TrainJobRequest,
  cb: WorkerCallbacks = {},
): Promise<TrainJobResult> {
  const stopFlag = new SharedArrayBuffer(4);
  const data: TrainWorkerData = { request, stopFlag, ...(cb.backend ? { backend: cb.backend } : {}) };
  const worker = startModuleWorker('./train-worker', import.meta.url, { workerData: data });
  const stop = () => Atomics.store(new Int32Array(stopFlag), 0, 1);
  if (cb.signal?.aborted) stop();
  cb.signal?.addEventListener('abort', stop, { once: true });
  return new Promise<TrainJobResult>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      cb.signal?.removeEventListener('abort', stop);
      f();
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'phase') cb.onPhase?.(m.phase);
      else if (m.type === 'progress') cb.onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else finish(() => reject(AppError.fromPayload(m.error)));
    });
    worker.on('error', (err) =>
      finish(() => reject(new AppError(ErrorCode.INTERNAL, `The training worker failed: ${err.message}`))),
    );
    worker.on('exit', (code) =>
      finish(() =>
        reject(
          new AppError(ErrorCode.INTERNAL, `The training worker exited (code ${code}) before it finished`),
        ),
      ),
    );
  });
}
