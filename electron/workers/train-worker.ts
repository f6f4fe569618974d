/**
 * worker_threads entry of a training job. It picks its own compute backend (the main process may not
 * have one), runs the job and reports by postMessage. Stop requests arrive through a shared flag, not a
 * message: the training loop is synchronous between epochs, so a message would wait for the epoch to end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../../shared/errors.js';
import { initCompute, releaseComputeMemory } from '../engine/backend.js';
import { runTrainingJob, type TrainJobRequest } from '../students/run.js';
import { servedSource } from './served-source.js';
import type { TrainWorkerData, WorkerMessage } from './train-protocol.js';

const port = parentPort;
if (!port) throw new Error('train-worker.ts must run as a worker thread');
const { request: sent, stopFlag, backend, samplePort } = workerData as TrainWorkerData;
const request: TrainJobRequest =
  sent.data.kind === 'served'
    ? {
        ...sent,
        data: {
          kind: 'source',
          source: servedSource(sent.data.refs, samplePort!),
          description: sent.data.description,
        },
      }
    : { ...sent, data: sent.data };
const stop = new Int32Array(stopFlag);
const send = (m: WorkerMessage) => port.postMessage(m);

try {
  const compute = await initCompute(backend ? { requested: backend } : undefined);
  send({ type: 'phase', phase: `backend ${compute.backend}` });
  const result = await runTrainingJob(request, {
    onPhase: (phase) => send({ type: 'phase', phase }),
    onProgress: (progress) => send({ type: 'progress', progress }),
    shouldStop: () => Atomics.load(stop, 0) !== 0,
  });
  samplePort?.close();
  releaseComputeMemory();
  send({ type: 'done', result });
} catch (err) {
  // Failed or cancelled: the pooled buffers (GPU memory on a GPU backend) go back before the thread ends.
  releaseComputeMemory();
  send({ type: 'error', error: toAppError(err).toPayload() });
}
