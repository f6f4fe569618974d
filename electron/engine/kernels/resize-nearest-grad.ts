/**
 * ResizeNearestNeighborGrad for our cpu backends. tfjs-backend-cpu 4.22's kernel reads dy at the batch
 * offset of the *input* image (b * H_in * W_in * C instead of b * H_out * W_out * C), so for batch > 1
 * every image after the first gets the gradient of the wrong pixels: DeepLabv3+'s ASPP image-pooling
 * branch (a 1x1 map up-sampled to the feature map) trained on garbage. Found by the GPU suite, where
 * tfjs-backend-webgpu's kernel disagreed. This one scatters each dy pixel onto the source pixel the
 * forward kernel (tfjs-backend-cpu ResizeNearestNeighbor) read it from, with the same index arithmetic.
 */
import { ResizeNearestNeighborGrad } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { f32, output, type CpuBackend } from './tensor-access.js';

/** For each output index along one axis, the input index the forward kernel copied from. */
function sources(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const src = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    src[o] = s;
  }
  return src;
}

export function resizeNearestNeighborGradKernel(backendName: string, stock: KernelFunc): KernelConfig {
  const kernelFunc = (args: {
    inputs: { images: TensorInfo; dy: TensorInfo };
    backend: CpuBackend;
    attrs: { alignCorners?: boolean; halfPixelCenters?: boolean };
  }): TensorInfo => {
    const { images, dy } = args.inputs;
    const dyv = f32(args.backend, dy);
    if (!dyv || images.shape.length !== 4 || dy.shape.length !== 4) return stock(args as never) as TensorInfo;
    const [batch, inH, inW, depth] = images.shape as [number, number, number, number];
    const [, outH, outW] = dy.shape as [number, number, number, number];
    const align = args.attrs.alignCorners ?? false,
      half = args.attrs.halfPixelCenters ?? false;
    const rows = sources(inH, outH, align, half),
      cols = sources(inW, outW, align, half);
    const dx = args.backend.allocZeroed(batch * inH * inW * depth);
    let i = 0;
    for (let b = 0; b < batch; b++)
      for (let r = 0; r < outH; r++) {
        const rowBase = (b * inH + rows[r]!) * inW;
        for (let c = 0; c < outW; c++) {
          const at = (rowBase + cols[c]!) * depth;
          for (let d = 0; d < depth; d++) dx[at + d] = dx[at + d]! + dyv[i++]!;
        }
      }
    return output(args.backend, [batch, inH, inW, depth], dx);
  };
  return {
    kernelName: ResizeNearestNeighborGrad,
    backendName,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
