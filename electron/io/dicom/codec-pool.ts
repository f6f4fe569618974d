/**
 * Runs codec jobs in one worker thread with a time limit. The codecs are C/C++ compiled to wasm (and two
 * JS decoders); fuzzing showed that a corrupt 12-bit JPEG can make one loop forever. A synchronous loop
 * cannot be interrupted in the thread that runs it, so the job runs in a worker that is terminated when
 * the limit passes; the next job starts a fresh worker. Jobs run one at a time, in order.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../util/worker.js';
import type { CodecFrame, FrameParams } from './codecs.js';

export type CodecJob =
  | { id: number; kind: 'frame'; encoded: Uint8Array; params: FrameParams }
  | { id: number; kind: 'jpegFile'; encoded: Uint8Array };

export type CodecReply =
  { id: number; frame: CodecFrame } | { id: number; native: Uint8Array } | { id: number; error: string };

type JobInput = CodecJob extends infer J ? (J extends CodecJob ? Omit<J, 'id'> : never) : never;

interface Pending {
  job: CodecJob;
  resolve: (r: { codec: CodecFrame } | { native: Uint8Array }) => void;
  reject: (e: Error) => void;
}

/** Per-job limit; generous because a 4000x4000 J2K frame takes seconds on a slow machine. */
let timeoutMs = 60_000;
export function setCodecTimeout(ms: number): void {
  timeoutMs = ms;
}

let worker: Worker | undefined;
let current: Pending | undefined;
/** The worker running `current`: a worker terminated after a timeout exits while the next job runs. */
let currentWorker: Worker | undefined;
let timer: NodeJS.Timeout | undefined;
const queue: Pending[] = [];
let nextId = 1;

function startWorker(): Worker {
  return wire(startModuleWorker('./codec-worker', import.meta.url));
}

function wire(w: Worker): Worker {
  w.on('message', (m: CodecReply) => {
    if (!current || m.id !== current.job.id) return;
    const p = finish();
    if ('error' in m) p.reject(new Error(m.error));
    else if ('native' in m) p.resolve({ native: m.native });
    else p.resolve({ codec: m.frame });
  });
  const died = (why: string) => {
    if (worker === w) worker = undefined;
    if (current && currentWorker === w) finish().reject(new Error(why));
  };
  w.on('error', (err) => died(`decoder failed: ${err.message}`));
  w.on('exit', (code) => died(`decoder stopped (exit ${code})`));
  return w;
}

function finish(): Pending {
  const p = current!;
  current = undefined;
  currentWorker = undefined;
  clearTimeout(timer);
  setImmediate(pump);
  return p;
}

function pump(): void {
  if (current) return;
  const next = queue.shift();
  if (!next) {
    // Idle: let the process exit even though the worker lives on.
    worker?.unref();
    return;
  }
  current = next;
  worker ??= startWorker();
  worker.ref();
  const w = worker;
  currentWorker = w;
  timer = setTimeout(() => {
    if (current !== next) return;
    worker = undefined;
    void w.terminate();
    finish().reject(new Error(`decoder did not finish within ${timeoutMs / 1000} s`));
  }, timeoutMs);
  w.postMessage(next.job);
}

function submit(input: JobInput): Promise<{ codec: CodecFrame } | { native: Uint8Array }> {
  return new Promise((resolve, reject) => {
    queue.push({ job: { ...input, id: nextId++ } as CodecJob, resolve, reject });
    pump();
  });
}

export function decodeFrameIsolated(
  encoded: Uint8Array,
  params: FrameParams,
): Promise<{ codec: CodecFrame } | { native: Uint8Array }> {
  return submit({ kind: 'frame', encoded, params });
}

export async function decodeJpegFileIsolated(encoded: Uint8Array): Promise<CodecFrame> {
  const out = await submit({ kind: 'jpegFile', encoded });
  if (!('codec' in out)) throw new Error('decoder returned no image');
  return out.codec;
}
