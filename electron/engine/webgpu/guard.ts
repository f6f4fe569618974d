/**
 * What WebGPU does not say by itself. A buffer the device cannot make (out of memory, or larger than its
 * storage-binding limit) is not an exception: WebGPU marks it invalid, reports the error on the device's
 * `uncapturederror` event, and every kernel that uses it silently yields zeros. Left alone, a student
 * would "train" on garbage. This module
 *   - refuses, before a run starts, a batch whose largest activation exceeds the device's limit,
 *     naming the batch size and image size to lower (`assertFitsOnGpu`);
 *   - records the device's errors and loss and turns them into a clear error at the next step or batch
 *     (`throwIfGpuFailed`), never a crash, a hang or a silent wrong result;
 *   - reports the GPU memory tfjs holds (`gpuMemory`), for the training progress.
 * Off the webgpu backend every function is a no-op.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import * as tf from '../tf.js';

interface GpuErrorEventLike {
  error: { message: string; constructor: { name: string } };
}
interface DeviceLike {
  addEventListener(type: 'uncapturederror', listener: (e: GpuErrorEventLike) => void): void;
  lost: Promise<{ reason: string; message: string }>;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}

export interface GpuFailure {
  kind: 'out-of-memory' | 'validation' | 'internal' | 'lost';
  message: string;
}

const watched = new WeakSet<object>();
let failure: GpuFailure | null = null;

function device(): DeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const d = (tf.backend() as unknown as { device?: DeviceLike }).device;
  if (!d) return null;
  if (!watched.has(d)) {
    watched.add(d);
    d.addEventListener('uncapturederror', (e) => {
      const name = e.error.constructor.name;
      failure ??= {
        kind: /OutOfMemory/.test(name)
          ? 'out-of-memory'
          : /Validation/.test(name)
            ? 'validation'
            : 'internal',
        message: e.error.message.split('\n')[0] ?? name,
      };
    });
    void d.lost.then((info) => {
      failure ??= { kind: 'lost', message: `${info.reason}: ${info.message}` };
    });
  }
  return d;
}

/** Starts watching the active WebGPU device (idempotent); call before a job's first kernel. */
export function watchGpu(): void {
  device();
}

/** The first device error since the last call, cleared; null when none (or not on the GPU). */
export function takeGpuFailure(): GpuFailure | null {
  const f = failure;
  failure = null;
  return f;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${Math.round(bytes / MIB)} MiB`;

/** What the job was doing, for the message: the batch size and image size to lower. */
export interface GpuWorkload {
  batchSize: number;
  imageSize: number;
  what: string;
}

/**
 * Throws a clear error when the device reported one since the last check: tensors computed since then
 * cannot be trusted. Call after each step or batch has been read back.
 */
export function throwIfGpuFailed(work: GpuWorkload): void {
  if (!device()) return;
  const f = takeGpuFailure();
  if (!f) return;
  const at = `(${work.what.toLowerCase()}, batch size ${work.batchSize}, ${work.imageSize}x${work.imageSize} px)`;
  if (f.kind === 'out-of-memory' || (f.kind === 'validation' && /size|limit|memory/i.test(f.message)))
    throw new AppError(
      ErrorCode.TOO_LARGE,
      `The GPU ran out of memory ${at}: ${f.message}. Lower the batch size or the image size, or train on the CPU (Settings: compute backend).`,
      { batchSize: work.batchSize, imageSize: work.imageSize, gpuError: f.message },
    );
  throw new AppError(
    ErrorCode.INTERNAL,
    f.kind === 'lost'
      ? `The GPU device was lost ${at} (${f.message}); the results of this run cannot be trusted. Restart the app, or train on the CPU.`
      : `The GPU reported an error ${at}: ${f.message}`,
    { batchSize: work.batchSize, imageSize: work.imageSize, gpuError: f.message },
  );
}

/** The largest single tensor (bytes) a forward pass of `model` makes at this batch size: input, every layer's output. */
export function largestActivationBytes(model: tf.LayersModel, batchSize: number): number {
  let largest = 0;
  const shapes = [
    ...model.inputs.map((i) => i.shape),
    ...model.layers.flatMap((l) => {
      const s = l.outputShape;
      return Array.isArray(s[0]) ? (s as tf.Shape[]) : [s as tf.Shape];
    }),
  ];
  for (const shape of shapes) {
    const per = shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
    largest = Math.max(largest, per * batchSize * 4);
  }
  return largest;
}

/**
 * Refuses, before the first step, a batch whose largest activation the device cannot bind as one
 * buffer, saying which batch size would fit. No-op off the GPU.
 */
export function assertFitsOnGpu(model: tf.LayersModel, work: GpuWorkload): void {
  const d = device();
  if (!d) return;
  const limit = Math.min(d.limits.maxStorageBufferBindingSize, d.limits.maxBufferSize);
  const need = largestActivationBytes(model, work.batchSize);
  if (need <= limit) return;
  const fits = Math.floor(limit / largestActivationBytes(model, 1));
  throw new AppError(
    ErrorCode.TOO_LARGE,
    `${work.what} at batch size ${work.batchSize}, ${work.imageSize}x${work.imageSize} px needs a ${mib(need)} GPU buffer, ` +
      `above this GPU's limit of ${mib(limit)}. ` +
      (fits >= 1
        ? `Lower the batch size to ${fits} or less, or the image size.`
        : 'Lower the image size (one image alone is too large).'),
    { batchSize: work.batchSize, imageSize: work.imageSize, neededBytes: need, limitBytes: limit },
  );
}

/** GPU memory tfjs holds now: in live tensors, and allocated (live + its pool of freed buffers). */
export function gpuMemory(): { usedBytes: number; allocatedBytes: number } | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  if (m.numBytesInGPU === undefined) return undefined;
  return { usedBytes: m.numBytesInGPU, allocatedBytes: m.numBytesAllocatedInGPU ?? m.numBytesInGPU };
}
