/**
 * Worker-thread entry owning one onnxruntime session. onnxruntime-node runs a model synchronously on the
 * calling thread, so in the main thread it would block storing results (fsyncs) and progress events;
 * here it does not.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { OnnxWorkerData, OnnxWorkerReply, OnnxWorkerRequest } from './onnx-worker-protocol.js';

const data = workerData as OnnxWorkerData;
const port = parentPort!;
let session: ort.InferenceSession | undefined;

try {
  session = await ort.InferenceSession.create(data.bytes, data.options);
  const reply: OnnxWorkerReply = {
    type: 'ready',
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    inputMetadata: session.inputMetadata.map((m) => ({ ...m })),
  };
  port.postMessage(reply);
} catch (err) {
  port.postMessage({ type: 'load-error', message: (err as Error).message } satisfies OnnxWorkerReply);
}

port.on('message', async (m: OnnxWorkerRequest) => {
  if (m.type === 'release') {
    await session?.release();
    port.close();
    return;
  }
  try {
    const res = await session!.run({ [m.input]: new ort.Tensor('float32', m.data, m.dims) }, [m.output]);
    const out = res[m.output]!;
    if (out.type !== 'float32') throw new Error(`output "${m.output}" is ${out.type}, not float32 scores`);
    const d = out.data as Float32Array;
    const reply: OnnxWorkerReply = { type: 'result', id: m.id, data: d, dims: [...out.dims] };
    port.postMessage(reply, [d.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({
      type: 'run-error',
      id: m.id,
      message: (err as Error).message,
    } satisfies OnnxWorkerReply);
  }
});
