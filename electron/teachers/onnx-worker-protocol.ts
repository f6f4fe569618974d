/** Messages between the ONNX runner and its worker thread (onnx-worker.ts). */
import type { InferenceSession } from 'onnxruntime-node';

export interface OnnxWorkerData {
  bytes: Uint8Array;
  options: InferenceSession.SessionOptions;
}

export type OnnxWorkerRequest =
  | { type: 'run'; id: number; input: string; output: string; data: Float32Array; dims: number[] }
  | { type: 'release' };

export type OnnxWorkerReply =
  | {
      type: 'ready';
      inputNames: string[];
      outputNames: string[];
      inputMetadata: InferenceSession.ValueMetadata[];
    }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; data: Float32Array; dims: number[] }
  | { type: 'run-error'; id: number; message: string };
