/**
 * Pure-JS versions of the addon's memory-bound kernels, for the js-cpu fallback. The stock cpu kernels
 * for these go through generic index arithmetic (a channel split took seconds per tiny-U-Net step,
 * the bias gradients transpose first, broadcasting adds index every element); these are the plain
 * loops the addon runs, on one core. Unary ops stay stock: they are already simple loops.
 */
import type { MemoryKernels } from './native-kernels.js';

const f = Math.fround;

/** Op codes as in native/src/elementwise.cc; arithmetic in double, stored as float32, as tfjs does. */
const BINARY_OPS: ((a: number, b: number) => number)[] = [
  (a, b) => a + b,
  (a, b) => a - b,
  (a, b) => a * b,
  (a, b) => a / b,
  Math.max,
  Math.min,
  (a, b) => (a - b) * (a - b),
];

export const jsMemoryKernels: MemoryKernels = {
  binary(op, a, b, out, repeat) {
    const fn = BINARY_OPS[op];
    if (!fn) throw new Error(`binary: unknown op ${op}`);
    const n = out.length,
      na = a.length,
      nb = b.length;
    if (na === n && nb === n) for (let i = 0; i < n; i++) out[i] = fn(a[i]!, b[i]!);
    else if (repeat > 0 && na === n)
      for (let i = 0; i < n; i++) out[i] = fn(a[i]!, b[Math.floor(i / repeat)]!);
    else if (repeat > 0) for (let i = 0; i < n; i++) out[i] = fn(a[Math.floor(i / repeat)]!, b[i]!);
    else if (na === n)
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === nb ? 0 : j + 1) out[i] = fn(a[i]!, b[j]!);
    else for (let i = 0, j = 0; i < n; i++, j = j + 1 === na ? 0 : j + 1) out[i] = fn(a[j]!, b[i]!);
  },
  reduce(x, out, rows, cols, inner, op) {
    if (inner) {
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        if (op === 0 || op === 3) {
          let s = 0;
          for (let c = 0; c < cols; c++) s += x[o + c]!;
          out[r] = op === 3 ? s / cols : s;
        } else {
          let m = x[o]!;
          for (let c = 1; c < cols && !Number.isNaN(m); c++) {
            const v = x[o + c]!;
            if (Number.isNaN(v) || (op === 1 ? v > m : v < m)) m = v;
          }
          out[r] = m;
        }
      }
      return;
    }
    if (op !== 0 && op !== 3) throw new Error('reduce: outer max/min not supported');
    const acc = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0, o = r * cols; c < cols; c++) acc[c]! += x[o + c]!;
    for (let c = 0; c < cols; c++) out[c] = op === 3 ? acc[c]! / rows : acc[c]!;
  },
  concatInner(parts, widths, out, rows) {
    const total = widths.reduce((a, b) => a + b, 0);
    let off = 0;
    parts.forEach((p, i) => {
      const w = widths[i]!;
      for (let r = 0; r < rows; r++) out.set(p.subarray(r * w, (r + 1) * w), r * total + off);
      off += w;
    });
  },
  sliceInner(x, out, rows, width, begin, size) {
    for (let r = 0; r < rows; r++) out.set(x.subarray(r * width + begin, r * width + begin + size), r * size);
  },
  maxPool(x, y, g) {
    const [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl] = Array.from(g) as number[] as Geom;
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const yo = ((b * oh + oy) * ow + ox) * c;
          y.fill(-Infinity, yo, yo + c);
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const xo = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) if (x[xo + ch]! > y[yo + ch]!) y[yo + ch] = x[xo + ch]!;
            }
          }
        }
  },
  maxPoolGrad(x, dy, dx, g) {
    const [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl] = Array.from(g) as number[] as Geom;
    const best = new Float32Array(c),
      where = new Int32Array(c);
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          best.fill(-Infinity);
          where.fill(-1);
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const xo = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++)
                if (x[xo + ch]! > best[ch]!) {
                  best[ch] = x[xo + ch]!;
                  where[ch] = xo + ch;
                }
            }
          }
          const d = ((b * oh + oy) * ow + ox) * c;
          for (let ch = 0; ch < c; ch++) if (where[ch]! >= 0) dx[where[ch]!]! += dy[d + ch]!;
        }
  },
  reluGrad(dy, y, out) {
    for (let i = 0; i < out.length; i++) {
      const v = y[i]!;
      out[i] = dy[i]! * (Number.isNaN(v) ? v : v > 0 ? 1 : 0);
    }
  },
  // tfjs' Adam, one float32 rounding per operation as its kernels do, so results are identical.
  adam(value, m, v, grad, outValue, outM, outV, consts) {
    const [lr, b1, ob1, b2, ob2, eps, c1, c2] = Array.from(consts, f) as Consts;
    const nlr = f(-lr);
    for (let i = 0; i < value.length; i++) {
      const g = grad[i]!;
      const mi = f(f(m[i]! * b1) + f(g * ob1));
      const vi = f(f(v[i]! * b2) + f(f(g * g) * ob2));
      outM[i] = mi;
      outV[i] = vi;
      outValue[i] = f(f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps)) * nlr) + value[i]!);
    }
  },
};

type Geom = [
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
type Consts = [number, number, number, number, number, number, number, number];
