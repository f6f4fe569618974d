/** Packs tfjs' convolution/pooling info into the Int32Array layouts the addon and the JS kernels read. */
import type { backend_util } from '@tensorflow/tfjs-core';

type Conv2DInfo = backend_util.Conv2DInfo;

/** [n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, padTop, padLeft]; see native/src/conv.h. */
export function convGeometry(i: Conv2DInfo): Int32Array {
  return Int32Array.of(
    i.batchSize,
    i.inHeight,
    i.inWidth,
    i.inChannels,
    i.filterHeight,
    i.filterWidth,
    i.outChannels,
    i.outHeight,
    i.outWidth,
    i.strideHeight,
    i.strideWidth,
    i.dilationHeight,
    i.dilationWidth,
    i.padInfo.top,
    i.padInfo.left,
  );
}

/** [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft]; see native/src/pool.h. */
export function poolGeometry(i: Conv2DInfo): Int32Array {
  return Int32Array.of(
    i.batchSize,
    i.inHeight,
    i.inWidth,
    i.inChannels,
    i.outHeight,
    i.outWidth,
    i.filterHeight,
    i.filterWidth,
    i.strideHeight,
    i.strideWidth,
    i.dilationHeight,
    i.dilationWidth,
    i.padInfo.top,
    i.padInfo.left,
  );
}

/** True when the geometry is non-degenerate (tfjs allows empty tensors; the stock kernels handle them). */
export function nonEmpty(i: Conv2DInfo): boolean {
  return (
    i.batchSize > 0 &&
    i.inHeight > 0 &&
    i.inWidth > 0 &&
    i.inChannels > 0 &&
    i.outChannels > 0 &&
    i.outHeight > 0 &&
    i.outWidth > 0
  );
}
