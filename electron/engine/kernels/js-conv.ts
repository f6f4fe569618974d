/**
 * Pure-JS convolutions (im2col + a row-blocked GEMM) for when the native addon is not built. About
 * 4x slower than OpenBLAS but orders of magnitude faster than the stock filter-gradient kernel, so an
 * install without the addon still trains, slowly. Layouts as tfjs: NHWC activations, HWIO filters,
 * which makes the filter a row-major [kh*kw*c, o] matrix and each output row one output pixel.
 */
import type { ConvImpl } from './conv-kernels.js';

interface Geom {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  o: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
}

function geom(g: Int32Array): Geom {
  const [n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl] = Array.from(g) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl };
}

/** Output pixels per im2col chunk: bounds the scratch matrix to chunk * kh*kw*c floats. */
const CHUNK = 1024;

/** Fills cols[r, :] for output pixels p0..p0+rows of image b with the receptive fields (0 outside). */
function im2col(g: Geom, x: Float32Array, b: number, p0: number, rows: number, cols: Float32Array): void {
  const K = g.kh * g.kw * g.c;
  cols.fill(0, 0, rows * K);
  for (let r = 0; r < rows; r++) {
    const p = p0 + r,
      oy = Math.floor(p / g.ow),
      ox = p - oy * g.ow;
    for (let ky = 0; ky < g.kh; ky++) {
      const iy = oy * g.sh - g.pt + ky * g.dh;
      if (iy < 0 || iy >= g.h) continue;
      for (let kx = 0; kx < g.kw; kx++) {
        const ix = ox * g.sw - g.pl + kx * g.dw;
        if (ix < 0 || ix >= g.w) continue;
        const src = ((b * g.h + iy) * g.w + ix) * g.c;
        cols.set(x.subarray(src, src + g.c), r * K + (ky * g.kw + kx) * g.c);
      }
    }
  }
}

/** Adds cols[r, :] back onto the input positions they were gathered from (the adjoint of im2col). */
function col2im(g: Geom, cols: Float32Array, b: number, p0: number, rows: number, dx: Float32Array): void {
  const K = g.kh * g.kw * g.c;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r,
      oy = Math.floor(p / g.ow),
      ox = p - oy * g.ow;
    for (let ky = 0; ky < g.kh; ky++) {
      const iy = oy * g.sh - g.pt + ky * g.dh;
      if (iy < 0 || iy >= g.h) continue;
      for (let kx = 0; kx < g.kw; kx++) {
        const ix = ox * g.sw - g.pl + kx * g.dw;
        if (ix < 0 || ix >= g.w) continue;
        const dst = ((b * g.h + iy) * g.w + ix) * g.c,
          src = r * K + (ky * g.kw + kx) * g.c;
        for (let ch = 0; ch < g.c; ch++) dx[dst + ch]! += cols[src + ch]!;
      }
    }
  }
}

/** C[M,N] (at cOff) = A[M,K] · B[K,N], four rows of A at a time so each B row is loaded once per four. */
export function gemm(
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  C.fill(0, cOff, cOff + M * N);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const c0 = cOff + i * N,
      c1 = c0 + N,
      c2 = c1 + N,
      c3 = c2 + N;
    for (let k = 0; k < K; k++) {
      const a0 = A[i * K + k]!,
        a1 = A[(i + 1) * K + k]!,
        a2 = A[(i + 2) * K + k]!,
        a3 = A[(i + 3) * K + k]!;
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const bo = k * N;
      for (let j = 0; j < N; j++) {
        const b = B[bo + j]!;
        C[c0 + j]! += a0 * b;
        C[c1 + j]! += a1 * b;
        C[c2 + j]! += a2 * b;
        C[c3 + j]! += a3 * b;
      }
    }
  }
  for (; i < M; i++) {
    const c0 = cOff + i * N;
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k]!;
      if (a === 0) continue;
      const bo = k * N;
      for (let j = 0; j < N; j++) C[c0 + j]! += a * B[bo + j]!;
    }
  }
}

/** C[K,N] += A[M,K]ᵀ · D[M,N] (D read at dOff): the filter gradient, accumulated over pixel rows. */
function gemmTN(
  A: Float32Array,
  D: Float32Array,
  dOff: number,
  C: Float32Array,
  M: number,
  K: number,
  N: number,
): void {
  for (let p = 0; p < M; p++) {
    const ar = p * K,
      dr = dOff + p * N;
    for (let k = 0; k < K; k++) {
      const a = A[ar + k]!;
      if (a === 0) continue;
      const co = k * N;
      for (let j = 0; j < N; j++) C[co + j]! += a * D[dr + j]!;
    }
  }
}

/** C[M,K] = D[M,N] (at dOff) · B[K,N]ᵀ: the input-gradient columns. */
function gemmNT(
  D: Float32Array,
  dOff: number,
  B: Float32Array,
  C: Float32Array,
  M: number,
  K: number,
  N: number,
): void {
  for (let p = 0; p < M; p++) {
    const dr = dOff + p * N;
    for (let k = 0; k < K; k++) {
      const br = k * N;
      let s = 0;
      for (let j = 0; j < N; j++) s += D[dr + j]! * B[br + j]!;
      C[p * K + k] = s;
    }
  }
}

export const jsConv: ConvImpl = {
  backpropInputAccumulates: true,
  conv2d(x, w, bias, y, g32, relu) {
    const g = geom(g32),
      K = g.kh * g.kw * g.c,
      P = g.oh * g.ow;
    const cols = new Float32Array(Math.min(CHUNK, P) * K);
    for (let b = 0; b < g.n; b++)
      for (let p0 = 0; p0 < P; p0 += CHUNK) {
        const rows = Math.min(CHUNK, P - p0);
        im2col(g, x, b, p0, rows, cols);
        gemm(cols, w, y, (b * P + p0) * g.o, rows, K, g.o);
      }
    if (bias || relu)
      for (let i = 0; i < y.length; i++) {
        const v = bias ? y[i]! + bias[i % g.o]! : y[i]!;
        y[i] = relu && v < 0 ? 0 : v;
      }
  },
  conv2dBackpropInput(dy, w, dx, g32) {
    const g = geom(g32),
      K = g.kh * g.kw * g.c,
      P = g.oh * g.ow;
    const cols = new Float32Array(Math.min(CHUNK, P) * K);
    for (let b = 0; b < g.n; b++)
      for (let p0 = 0; p0 < P; p0 += CHUNK) {
        const rows = Math.min(CHUNK, P - p0);
        gemmNT(dy, (b * P + p0) * g.o, w, cols, rows, K, g.o);
        col2im(g, cols, b, p0, rows, dx);
      }
  },
  conv2dBackpropFilter(x, dy, dw, g32) {
    const g = geom(g32),
      K = g.kh * g.kw * g.c,
      P = g.oh * g.ow;
    const cols = new Float32Array(Math.min(CHUNK, P) * K);
    dw.fill(0);
    for (let b = 0; b < g.n; b++)
      for (let p0 = 0; p0 < P; p0 += CHUNK) {
        const rows = Math.min(CHUNK, P - p0);
        im2col(g, x, b, p0, rows, cols);
        gemmTN(cols, dy, (b * P + p0) * g.o, dw, rows, K, g.o);
      }
  },
};
