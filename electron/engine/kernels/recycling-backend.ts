/**
 * A MathBackendCPU that recycles the output buffers of our kernels. tfjs allocates a fresh
 * Float32Array for every kernel output and leaves the dead ones to the garbage collector; on the big
 * U-Net that is hundreds of MB per step of fresh pages (page faults, zeroing) and memory held until a
 * GC runs. Here, a buffer our kernels allocated goes back to a pool the moment tfjs disposes its
 * tensor, and the next kernel output of that size reuses it.
 *
 * A buffer is recycled only if nothing else can still see it: reading a tensor's values (dataSync,
 * data, array, any readSync) or storing any view of the buffer under another tensor (a stock kernel
 * that slices or forwards its input's array) marks it as escaped, and escaped buffers are left to GC.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendValues, DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Pooled bytes are bounded so an unusual workload cannot pin memory. A training step's pool holds about
 * what the step had alive at its peak (the dead intermediates the GC would otherwise be holding).
 */
const MAX_POOLED_BYTES = 1536 * 1024 * 1024;
const MAX_PER_SIZE = 64;

export class RecyclingCpuBackend extends MathBackendCPU {
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private readonly pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;

  constructor() {
    super();
    // Skips the "install tfjs-node to speed things up" banner the stock backend prints on first use.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** An output buffer of n floats with arbitrary contents; the kernel must overwrite all of it. */
  alloc(n: number): Float32Array {
    const list = this.pool.get(n);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      return reused;
    }
    return new Float32Array(n);
  }

  /** An output buffer of n zeros. */
  allocZeroed(n: number): Float32Array {
    const list = this.pool.get(n);
    return list && list.length > 0 ? this.alloc(n).fill(0) : new Float32Array(n);
  }

  /** Registers a kernel output made from alloc() as a tensor that may be recycled on dispose. */
  output(shape: number[], values: Float32Array): TensorInfo {
    const info = this.makeTensorInfo(shape, 'float32', values);
    if (values.byteOffset === 0 && values.byteLength === values.buffer.byteLength)
      this.owned.add(values.buffer);
    return info;
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    this.escape(values);
    return super.write(values, shape, dtype);
  }

  override move(
    dataId: DataId,
    values: BackendValues,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    this.escape(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): BackendValues {
    this.escape(this.data.get(dataId)?.values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (
      released &&
      values instanceof Float32Array &&
      !this.data.has(dataId) &&
      this.owned.has(values.buffer)
    ) {
      this.owned.delete(values.buffer);
      this.recycle(values);
    }
    return released;
  }

  /** Drops every pooled buffer (e.g. when training ends), leaving them to the garbage collector. */
  releasePool(): void {
    this.pool.clear();
    this.pooledBytes = 0;
  }

  override dispose(): void {
    this.releasePool();
    super.dispose();
  }

  private escape(values: BackendValues | undefined): void {
    if (values && ArrayBuffer.isView(values)) this.owned.delete(values.buffer);
  }

  private recycle(values: Float32Array): void {
    if (this.pooledBytes + values.byteLength > MAX_POOLED_BYTES) return;
    let list = this.pool.get(values.length);
    if (!list) this.pool.set(values.length, (list = []));
    if (list.length >= MAX_PER_SIZE) return;
    list.push(values);
    this.pooledBytes += values.byteLength;
  }
}
