/**
 * The memory-bound kernels a U-Net training step spends its time in once the convolutions are native
 * (measured with test/bench/profile-step.ts): pooling and its gradient, the elementwise ops of
 * activations, losses and gradients, reductions (bias gradients), concat and its gradient (SplitV),
 * run by the addon on both cores (native-cpu) or by the JS loops of js-memory-kernels.ts (js-cpu).
 * Each handles the float32, broadcast-as-suffix cases a network produces and hands everything else to
 * the stock kernel.
 */
import * as tfc from '@tensorflow/tfjs-core';
import { backend_util, slice_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../native/loader.js';
import { RELU_GRAD } from '../ops/fused-conv-training.js';
import { nonEmpty, poolGeometry } from './geometry.js';
import type { StockKernels } from './conv-kernels.js';
import { f32, output, sizeOf, type CpuBackend } from './tensor-access.js';

type Args = {
  inputs: Record<string, TensorInfo | undefined> | TensorInfo[];
  backend: CpuBackend;
  attrs: Record<string, unknown>;
};

/** Op codes of native/src/elementwise.cc. */
const BINARY: Record<string, number> = {
  [tfc.Add]: 0,
  [tfc.Sub]: 1,
  [tfc.Multiply]: 2,
  [tfc.RealDiv]: 3,
  [tfc.Maximum]: 4,
  [tfc.Minimum]: 5,
  [tfc.SquaredDifference]: 6,
};
const UNARY: Record<string, number> = {
  [tfc.Relu]: 0,
  [tfc.Step]: 1,
  [tfc.Neg]: 2,
  [tfc.Exp]: 3,
  [tfc.Log]: 4,
  [tfc.Sqrt]: 5,
  [tfc.Square]: 6,
  [tfc.Abs]: 7,
  [tfc.Sigmoid]: 8,
  [tfc.Log1p]: 9,
  [tfc.Rsqrt]: 10,
  [tfc.Reciprocal]: 11,
};

/** True when `shape` repeats exactly over `out` as a block of its innermost axes (or equals it). */
function tilesInner(shape: readonly number[], out: readonly number[]): boolean {
  if (sizeOf(shape) === sizeOf(out)) return true;
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  const s = shape.slice(i);
  if (s.length > out.length) return false;
  const tail = out.slice(out.length - s.length);
  return s.every((d, j) => d === tail[j]);
}

/** What these kernels need: the addon, or the JS loops of js-memory-kernels.ts (no elementwise ops). */
/**
 * How an operand of `shape` maps onto the broadcast output `out`: 'full' (same size), 'tile' (repeats
 * as a block of the innermost axes: index i % size), a repeat count (its shape is out's leading axes
 * followed by 1s: index i / repeat), or null (anything else: the stock kernel handles it).
 */
function broadcastMode(shape: readonly number[], out: readonly number[]): 'full' | 'tile' | number | null {
  if (sizeOf(shape) === sizeOf(out)) return 'full';
  if (tilesInner(shape, out)) return 'tile';
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  let k = padded.length;
  while (k > 0 && padded[k - 1] === 1) k--;
  for (let i = 0; i < k; i++) if (padded[i] !== out[i]) return null;
  return sizeOf(out.slice(k));
}

export type MemoryKernels = Pick<
  NativeAddon,
  'binary' | 'reduce' | 'concatInner' | 'sliceInner' | 'maxPool' | 'maxPoolGrad' | 'reluGrad' | 'adam'
> &
  Partial<Pick<NativeAddon, 'unary' | 'transpose' | 'batchNorm' | 'spaceToBatch' | 'batchToSpace'>>;

export function nativeKernels(
  addon: MemoryKernels,
  backendName: string,
  stock: StockKernels,
): KernelConfig[] {
  const configs: KernelConfig[] = [];
  const k = (kernelName: string, fn: (a: Args) => TensorInfo | TensorInfo[]) =>
    configs.push({ kernelName, backendName, kernelFunc: fn as unknown as KernelFunc });
  const defer = (name: string, args: Args) => stock(name)(args as never) as TensorInfo;

  const { binary, unary, transpose, batchNorm, spaceToBatch, batchToSpace } = addon;
  for (const [name, op] of Object.entries(BINARY)) {
    k(name, (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = f32(args.backend, a),
        bv = f32(args.backend, b);
      if (!av || !bv) return defer(name, args);
      const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = sizeOf(outShape);
      const ma = broadcastMode(a.shape, outShape),
        mb = broadcastMode(b.shape, outShape);
      if (n === 0 || ma === null || mb === null || (ma !== 'full' && mb !== 'full')) return defer(name, args);
      const small = ma === 'full' ? mb : ma;
      const out = args.backend.alloc(n);
      binary(op, av, bv, out, typeof small === 'number' ? small : 0);
      return output(args.backend, outShape, out);
    });
  }

  for (const [name, op] of Object.entries(unary ? UNARY : {})) {
    k(name, (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32(args.backend, x);
      if (!xv || xv.length === 0) return defer(name, args);
      const out = args.backend.alloc(xv.length);
      unary!(op, xv, out, name === tfc.Step ? Number(args.attrs.alpha ?? 0) : 0);
      return output(args.backend, [...x.shape], out);
    });
  }

  // dy * step(y) for the fused conv+ReLU gradient (ops/fused-conv-training.ts), in one pass.
  k(RELU_GRAD, (args) => {
    const { dy, y } = args.inputs as { dy: TensorInfo; y: TensorInfo };
    const dyv = f32(args.backend, dy),
      yv = f32(args.backend, y);
    if (!dyv || !yv || dyv.length !== yv.length)
      throw new Error(`${RELU_GRAD}: float32 tensors of one shape expected`);
    const out = args.backend.alloc(dyv.length);
    addon.reluGrad(dyv, yv, out);
    return output(args.backend, [...dy.shape], out);
  });

  // Reductions over a contiguous run of leading axes (bias gradients of NHWC maps) or trailing axes.
  const reduce = (name: string, op: number, axisAttr: string) =>
    k(name, (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32(args.backend, x);
      if (!xv || xv.length === 0) return defer(name, args);
      const axes = util
        .parseAxisParam(args.attrs[axisAttr] as number | number[], x.shape)
        .sort((p, q) => p - q);
      if (axes.length === 0) return defer(name, args);
      const r = x.shape.length;
      const leading = axes.every((ax, i) => ax === i);
      const trailing = axes.every((ax, i) => ax === r - axes.length + i);
      if (!leading && !trailing) return defer(name, args);
      const inner = trailing; // a full reduction counts as inner: one row
      if (!inner && (op === 1 || op === 2)) return defer(name, args);
      const split = inner ? r - axes.length : axes.length;
      const rows = sizeOf(x.shape.slice(0, split)),
        cols = sizeOf(x.shape.slice(split));
      const out = args.backend.alloc(inner ? rows : cols);
      addon.reduce(xv, out, rows, cols, inner, op);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const shape = args.attrs.keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
      return output(args.backend, shape, out);
    });
  reduce(tfc.Sum, 0, 'axis');
  reduce(tfc.Max, 1, 'reductionIndices');
  reduce(tfc.Min, 2, 'axis');
  reduce(tfc.Mean, 3, 'axis');

  k(tfc.Concat, (args) => {
    const inputs = args.inputs as TensorInfo[];
    const first = inputs[0];
    if (!first || inputs.length < 2) return defer(tfc.Concat, args);
    const axis = util.parseAxisParam(args.attrs.axis as number, first.shape)[0]!;
    const parts = inputs.map((t) => f32(args.backend, t));
    if (parts.some((p) => !p || p.length === 0)) return defer(tfc.Concat, args);
    const outShape = backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    );
    const rows = sizeOf(first.shape.slice(0, axis));
    const widths = Int32Array.from(inputs, (t) => sizeOf(t.shape.slice(axis)));
    const out = args.backend.alloc(sizeOf(outShape));
    addon.concatInner(parts as Float32Array[], widths, out, rows);
    return output(args.backend, outShape, out);
  });

  // A slice that is partial along one axis only and full along all the others: [rows, width] view.
  const sliceAlong = (
    backend: CpuBackend,
    x: TensorInfo,
    xv: Float32Array,
    axis: number,
    begin: number,
    size: number,
  ): TensorInfo => {
    const rows = sizeOf(x.shape.slice(0, axis)),
      inner = sizeOf(x.shape.slice(axis + 1));
    const out = backend.alloc(rows * size * inner);
    addon.sliceInner(xv, out, rows, x.shape[axis]! * inner, begin * inner, size * inner);
    const shape = [...x.shape];
    shape[axis] = size;
    return output(backend, shape, out);
  };

  k(tfc.Slice, (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(args.backend, x);
    if (!xv) return defer(tfc.Slice, args);
    const [begin, size] = slice_util.parseSliceParams(
      x as never,
      args.attrs.begin as number[],
      args.attrs.size as number[],
    ) as [number[], number[]];
    const partial = x.shape.map((d, i) => begin[i] !== 0 || size[i] !== d);
    const axis = partial.indexOf(true);
    // tfjs' own kernel already shares memory for slices along the outermost axis; only route the rest.
    if (axis <= 0 || partial.lastIndexOf(true) !== axis || sizeOf(size) === 0) return defer(tfc.Slice, args);
    return sliceAlong(args.backend, x, xv, axis, begin[axis]!, size[axis]!);
  });

  k(tfc.SplitV, (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(args.backend, x);
    const axis = util.parseAxisParam(args.attrs.axis as number, x.shape)[0]!;
    if (!xv || axis === 0 || xv.length === 0) return stock(tfc.SplitV)(args as never) as TensorInfo[];
    const sizes = backend_util.prepareSplitSize(x as never, args.attrs.numOrSizeSplits as number[], axis);
    let begin = 0;
    return sizes.map((s) => {
      const t = sliceAlong(args.backend, x, xv, axis, begin, s);
      begin += s;
      return t;
    });
  });

  k(tfc.MaxPool, (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(args.backend, x);
    if (!xv) return defer(tfc.MaxPool, args);
    const a = args.attrs as unknown as tfc.MaxPoolAttrs;
    const info = backend_util.computePool2DInfo(
      x.shape as never,
      a.filterSize,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    if (!nonEmpty(info)) return defer(tfc.MaxPool, args);
    const y = args.backend.alloc(sizeOf(info.outShape));
    addon.maxPool(xv, y, poolGeometry(info));
    return output(args.backend, info.outShape, y);
  });

  k(tfc.MaxPoolGrad, (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const dyv = f32(args.backend, dy),
      xv = f32(args.backend, input);
    if (!dyv || !xv) return defer(tfc.MaxPoolGrad, args);
    const a = args.attrs as unknown as tfc.MaxPoolGradAttrs;
    const info = backend_util.computePool2DInfo(
      input.shape as never,
      a.filterSize,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    if (!nonEmpty(info)) return defer(tfc.MaxPoolGrad, args);
    const dx = args.backend.allocZeroed(xv.length);
    addon.maxPoolGrad(xv, dyv, dx, poolGeometry(info));
    return output(args.backend, [...input.shape], dx);
  });

  // Tile that makes whole copies of its input (reps > 1 only where the input has size 1, before the
  // last repeated axis): BatchNorm's gradient tiles its [C] factors over [N,H,W,C] this way.
  k(tfc.Tile, (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(args.backend, x);
    const reps = args.attrs.reps as number[];
    const last = reps.reduce((acc, r, i) => (r > 1 ? i : acc), -1);
    if (!xv || xv.length === 0 || last < 0 || x.shape.slice(0, last).some((d) => d !== 1))
      return defer(tfc.Tile, args);
    const shape = x.shape.map((d, i) => d * reps[i]!);
    const out = args.backend.alloc(sizeOf(shape));
    out.set(xv);
    for (let filled = xv.length; filled < out.length; filled *= 2)
      out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
    return output(args.backend, shape, out);
  });

  if (transpose)
    k(tfc.Transpose, (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32(args.backend, x);
      const perm = args.attrs.perm as number[];
      if (!xv || xv.length === 0 || x.shape.length > 8) return defer(tfc.Transpose, args);
      const out = args.backend.alloc(xv.length);
      transpose(xv, out, Int32Array.from(x.shape), Int32Array.from(perm));
      return output(
        args.backend,
        perm.map((p) => x.shape[p]!),
        out,
      );
    });

  if (batchNorm)
    k(tfc.FusedBatchNorm, (args) => {
      const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
      const vals = [x, mean, variance].map((t) => (t ? f32(args.backend, t) : null));
      const off = offset ? f32(args.backend, offset) : null,
        sc = scale ? f32(args.backend, scale) : null;
      if (vals.some((v) => !v || v.length === 0) || (offset && !off) || (scale && !sc))
        return defer(tfc.FusedBatchNorm, args);
      const [xv, mv, vv] = vals as Float32Array[];
      const out = args.backend.alloc(xv!.length);
      batchNorm(xv!, mv!, vv!, off, sc, out, Number(args.attrs.varianceEpsilon ?? 0.001));
      return output(args.backend, [...x!.shape], out);
    });

  // Space-to-batch and back (atrous convolutions) on NHWC with two block dims; each is the other's
  // gradient. The stock kernels pad, transpose a 6-D view and slice, element by element.
  if (spaceToBatch)
    k(tfc.SpaceToBatchND, (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32(args.backend, x);
      const bs = args.attrs.blockShape as number[],
        pads = args.attrs.paddings as number[][];
      if (!xv || xv.length === 0 || x.shape.length !== 4 || bs.length !== 2)
        return defer(tfc.SpaceToBatchND, args);
      const [B, H, W, C] = x.shape as [number, number, number, number];
      const [bh, bw] = bs as [number, number];
      const [[pt, pb], [pl, pr]] = pads as [[number, number], [number, number]];
      const shape = [B * bh * bw, (H + pt + pb) / bh, (W + pl + pr) / bw, C];
      const out = args.backend.alloc(sizeOf(shape));
      spaceToBatch(xv, out, Int32Array.of(B, H, W, C, bh, bw, pt, pl, shape[1]!, shape[2]!));
      return output(args.backend, shape, out);
    });

  if (batchToSpace)
    k(tfc.BatchToSpaceND, (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32(args.backend, x);
      const bs = args.attrs.blockShape as number[],
        crops = args.attrs.crops as number[][];
      if (!xv || xv.length === 0 || x.shape.length !== 4 || bs.length !== 2)
        return defer(tfc.BatchToSpaceND, args);
      const [N, H, W, C] = x.shape as [number, number, number, number];
      const [bh, bw] = bs as [number, number];
      const [[ct, cb], [cl, cr]] = crops as [[number, number], [number, number]];
      const shape = [N / (bh * bw), H * bh - ct - cb, W * bw - cl - cr, C];
      const out = args.backend.alloc(sizeOf(shape));
      batchToSpace(xv, out, Int32Array.of(shape[0]!, H, W, C, bh, bw, ct, cl, shape[1]!, shape[2]!));
      return output(args.backend, shape, out);
    });

  return configs;
}
