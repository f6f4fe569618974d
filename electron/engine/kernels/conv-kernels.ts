/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter on top of a ConvImpl (the native
 * addon or the pure-JS fallback). Conv2DTranspose has no kernel of its own in tfjs: it runs as
 * Conv2DBackpropInput, and its gradient as Conv2D + Conv2DBackpropFilter, so it is covered here too.
 * Anything outside the fast path (NCHW, non-float32, empty tensors, exotic bias shapes) goes to the
 * stock kernel, so behaviour never changes, only speed.
 */
import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
} from '@tensorflow/tfjs-core';
import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  FusedConv2DAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../native/loader.js';
import { convGeometry, nonEmpty } from './geometry.js';
import { f32, output, sizeOf, type CpuBackend } from './tensor-access.js';

/** The addon's three convolution entry points (or the JS fallback's, with the same signatures). */
export interface ConvImpl extends Pick<
  NativeAddon,
  'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter'
> {
  /** True when conv2dBackpropInput accumulates into dx instead of overwriting all of it. */
  readonly backpropInputAccumulates: boolean;
}

type Args = {
  inputs: Record<string, TensorInfo | undefined>;
  backend: CpuBackend;
  attrs: Record<string, unknown>;
};
export type StockKernels = (name: string) => KernelFunc;

/** Activations of FusedConv2D that run as a separate kernel after the convolution. */
const ACTIVATION_KERNEL: Record<string, string> = {
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

export function convKernels(
  impl: ConvImpl,
  backendName: string,
  stock: StockKernels,
  kernelOf: StockKernels,
): KernelConfig[] {
  function conv2d(args: Args): TensorInfo {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as Conv2DAttrs;
    const xv = f32(args.backend, x),
      wv = f32(args.backend, filter);
    if (a.dataFormat === 'NCHW' || !xv || !wv) return stock(Conv2D)(args as never) as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      x.shape as never,
      filter.shape as never,
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    if (!nonEmpty(info)) return stock(Conv2D)(args as never) as TensorInfo;
    const y = args.backend.alloc(sizeOf(info.outShape));
    impl.conv2d(xv, wv, null, y, convGeometry(info), false);
    return output(args.backend, info.outShape, y);
  }

  function fusedConv2d(args: Args): TensorInfo {
    const { x, filter, bias, preluActivationWeights } = args.inputs as {
      x: TensorInfo;
      filter: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const a = args.attrs as unknown as FusedConv2DAttrs;
    const xv = f32(args.backend, x),
      wv = f32(args.backend, filter);
    const act = a.activation ?? 'linear';
    const outC = filter.shape[3] ?? 0;
    let bv: Float32Array | null = null;
    if (bias) {
      const raw = f32(args.backend, bias);
      const n = sizeOf(bias.shape);
      if (raw && n === outC && bias.shape.length <= 1) bv = raw;
      else if (raw && n === 1) bv = new Float32Array(outC).fill(raw[0] ?? 0);
    }
    const simple = a.dataFormat !== 'NCHW' && xv && wv && (!bias || bv);
    if (!simple || !(act === 'linear' || act === 'relu' || act in ACTIVATION_KERNEL))
      return stock(FusedConv2D)(args as never) as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      x.shape as never,
      filter.shape as never,
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    if (!nonEmpty(info)) return stock(FusedConv2D)(args as never) as TensorInfo;
    const y = args.backend.alloc(sizeOf(info.outShape));
    impl.conv2d(xv!, wv!, bv, y, convGeometry(info), act === 'relu');
    const out = output(args.backend, info.outShape, y);
    if (act === 'linear' || act === 'relu') return out;
    // Rare activations: run the backend's own kernel on the convolution's output.
    const kernel = ACTIVATION_KERNEL[act]!;
    const inputs = act === 'prelu' ? { x: out, alpha: preluActivationWeights } : { x: out };
    const attrs = act === 'leakyrelu' ? { alpha: a.leakyreluAlpha ?? 0.2 } : {};
    const res = kernelOf(kernel)({ inputs, backend: args.backend, attrs } as never) as TensorInfo;
    args.backend.disposeIntermediateTensorInfo(out);
    return res;
  }

  function backpropInput(args: Args): TensorInfo {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const dyv = f32(args.backend, dy),
      wv = f32(args.backend, filter);
    if (a.dataFormat === 'NCHW' || !dyv || !wv)
      return stock(Conv2DBackpropInput)(args as never) as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as never,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    if (!nonEmpty(info)) return stock(Conv2DBackpropInput)(args as never) as TensorInfo;
    // Input cells that no output reads (e.g. 'valid', stride 2, even size) get no write: zero them.
    const unread =
      (info.outHeight - 1) * info.strideHeight + info.filterHeight < info.inHeight + info.padInfo.top ||
      (info.outWidth - 1) * info.strideWidth + info.filterWidth < info.inWidth + info.padInfo.left;
    const n = sizeOf(a.inputShape);
    const dx = impl.backpropInputAccumulates || unread ? args.backend.allocZeroed(n) : args.backend.alloc(n);
    impl.conv2dBackpropInput(dyv, wv, dx, convGeometry(info));
    return output(args.backend, [...a.inputShape], dx);
  }

  function backpropFilter(args: Args): TensorInfo {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const xv = f32(args.backend, x),
      dyv = f32(args.backend, dy);
    if (a.dataFormat === 'NCHW' || !xv || !dyv)
      return stock(Conv2DBackpropFilter)(args as never) as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      x.shape as never,
      a.filterShape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    if (!nonEmpty(info)) return stock(Conv2DBackpropFilter)(args as never) as TensorInfo;
    const dw = args.backend.alloc(sizeOf(a.filterShape));
    impl.conv2dBackpropFilter(xv, dyv, dw, convGeometry(info));
    return output(args.backend, [...a.filterShape], dw);
  }

  const k = (kernelName: string, fn: (a: Args) => TensorInfo): KernelConfig => ({
    kernelName,
    backendName,
    kernelFunc: fn as unknown as KernelFunc,
  });
  return [
    k(Conv2D, conv2d),
    k(FusedConv2D, fusedConv2d),
    k(Conv2DBackpropInput, backpropInput),
    k(Conv2DBackpropFilter, backpropFilter),
  ];
}
