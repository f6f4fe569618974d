/**
 * Starts a training worker and turns its messages into callbacks and a promise. An AbortSignal stops
 * the run between steps (the last epoch checkpoint stays the resume point); the promise then resolves
 * with `cancelled: true`. The worker starts through util/worker.ts (built JavaScript or tsx sources). A
 * request whose data is a sample source (a project's) is served to the worker sample by sample.
 */
import { MessageChannel } from 'node:worker_threads';
import type { ComputeBackendChoice } from '../../shared/compute.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TrainJobRequest, TrainJobResult } from '../students/run.js';
import type { TrainProgress } from '../students/trainer.js';
import { startModuleWorker } from '../util/worker.js';
import { serveSource } from './served-source.js';
import type { TrainWorkerData, WorkerMessage, WorkerRequest } from './train-protocol.js';

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
  // A sample source stays here (it may read an open project) and is served to the worker on demand.
  const channel = request.data.kind === 'source' ? new MessageChannel() : null;
  const workerRequest: WorkerRequest =
    request.data.kind === 'source'
      ? {
          ...request,
          data: {
            kind: 'served',
            refs: request.data.source.refs.map((r) => ({ id: r.id, caseId: r.caseId })),
            description: request.data.description,
          },
        }
      : { ...request, data: request.data };
  if (channel && request.data.kind === 'source') serveSource(request.data.source, channel.port1);
  const data: TrainWorkerData = {
    request: workerRequest,
    stopFlag,
    ...(channel ? { samplePort: channel.port2 } : {}),
    ...(cb.backend ? { backend: cb.backend } : {}),
  };
  const worker = startModuleWorker('./train-worker', import.meta.url, {
    workerData: data,
    ...(channel ? { transferList: [channel.port2] } : {}),
  });
  const stop = () => Atomics.store(new Int32Array(stopFlag), 0, 1);
  if (cb.signal?.aborted) stop();
  cb.signal?.addEventListener('abort', stop, { once: true });
  return new Promise<TrainJobResult>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      cb.signal?.removeEventListener('abort', stop);
      channel?.port1.close();
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
