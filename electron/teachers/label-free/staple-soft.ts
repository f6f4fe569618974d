/**
 * STAPLE (Warfield et al., IEEE TMI 2004) fitted on a whole set of images instead of one image at a time,
 * and a STAPLE for probability maps.
 *
 * Binary (fitBinaryStaple, binaryStaplePosterior): each teacher k has a sensitivity p_k = P(says fg | fg)
 * and a specificity q_k = P(says bg | bg) of its mask (decision d in {0, 1}). The log-odds that a pixel
 * is foreground are logit(prior) + sum_k [ d log(p_k / (1 - q_k)) + (1 - d) log((1 - p_k) / q_k) ],
 * linear in d (K multiply-adds per pixel). On one image this is exactly electron/teachers/fusion.ts
 * `staple` (same start 0.99, same prior: the image's mean decision). Fitting on a set pools every image's
 * pixels into one estimate per teacher: one image is a few thousand lesion pixels, a set is many lesions.
 * Fractional decisions are not a model of probabilities: fed soft maps, this EM drifts to the
 * uninformative p = q = 0.5 (each posterior is softer than the votes it came from).
 *
 * Soft (fitSoftStaple, softStaplePosterior, softStaple): Warfield's continuous variant, as a two-class
 * mixture: given the true class c, teacher k's probability is Gaussian with its own mean and variance per
 * class (a teacher that under-segments has a foreground mean well below 1, which the fit learns instead of
 * thresholding at 0.5). Start: the posterior is the mean map; the prior of an image is its mean decision.
 */

export interface StapleParams {
  sensitivity: number[];
  specificity: number[];
}

export interface StapleFit extends StapleParams {
  iterations: number;
}

export interface StapleFitOptions {
  maxIterations?: number;
  tolerance?: number;
  /** Use every stride-th pixel of each image for the fit (the posterior is computed on all). Default 1. */
  stride?: number;
}

const EPS = 1e-6;
const clamp = (v: number) => (v < EPS ? EPS : v > 1 - EPS ? 1 - EPS : v);

function checkImage(maps: readonly Float32Array[]): number {
  if (maps.length === 0) throw new RangeError('STAPLE needs at least one map per image');
  const n = maps[0]!.length;
  if (maps.some((m) => m.length !== n)) throw new RangeError('STAPLE: the maps of an image differ in size');
  return n;
}

/** The image's prior: the mean decision over its pixels and teachers. */
export function meanDecision(maps: readonly Float32Array[]): number {
  const n = checkImage(maps);
  let s = 0;
  for (const m of maps) for (let i = 0; i < n; i++) s += m[i]!;
  return n === 0 ? 0 : s / (n * maps.length);
}

/** Per-teacher log-odds terms: pixel log-odds = logit(prior) + sum_k (a_k + d_k b_k). */
function terms(params: StapleParams): { a: number[]; b: number[] } {
  const a = params.sensitivity.map((p, k) => Math.log(clamp(1 - p) / clamp(params.specificity[k]!)));
  const b = params.sensitivity.map((p, k) => Math.log(clamp(p) / clamp(1 - params.specificity[k]!)) - a[k]!);
  return { a, b };
}

/** Fits one sensitivity and specificity per teacher on a set of images (each: its K teachers' maps). */
export function fitBinaryStaple(
  images: readonly (readonly Float32Array[])[],
  opts: StapleFitOptions = {},
): StapleFit {
  if (images.length === 0) throw new RangeError('fitBinaryStaple needs at least one image');
  const K = images[0]!.length;
  if (images.some((m) => m.length !== K))
    throw new RangeError('fitBinaryStaple: images with different teachers');
  const stride = Math.max(1, Math.floor(opts.stride ?? 1));
  const maxIt = opts.maxIterations ?? 100;
  const tol = opts.tolerance ?? 1e-7;
  const priors = images.map((maps) => meanDecision(maps));
  const sens = new Array<number>(K).fill(0.99);
  const spec = new Array<number>(K).fill(0.99);
  // An image that is all foreground or all background by every teacher tells nothing about reliability.
  const informative = images.map((_, j) => priors[j]! > 0 && priors[j]! < 1);
  if (!informative.some(Boolean)) return { sensitivity: sens, specificity: spec, iterations: 0 };
  let it = 1;
  for (; it <= maxIt; it++) {
    const { a, b } = terms({ sensitivity: sens, specificity: spec });
    const tp = new Float64Array(K);
    const tn = new Float64Array(K);
    let w = 0;
    let v = 0;
    images.forEach((maps, j) => {
      if (!informative[j]) return;
      const base = Math.log(priors[j]! / (1 - priors[j]!)) + a.reduce((s, x) => s + x, 0);
      const n = maps[0]!.length;
      for (let i = 0; i < n; i += stride) {
        let z = base;
        for (let k = 0; k < K; k++) z += maps[k]![i]! * b[k]!;
        const W = 1 / (1 + Math.exp(-z));
        w += W;
        v += 1 - W;
        for (let k = 0; k < K; k++) {
          const d = maps[k]![i]!;
          tp[k] = tp[k]! + W * d;
          tn[k] = tn[k]! + (1 - W) * (1 - d);
        }
      }
    });
    let change = 0;
    for (let k = 0; k < K; k++) {
      const s = w > 0 ? tp[k]! / w : sens[k]!;
      const q = v > 0 ? tn[k]! / v : spec[k]!;
      change = Math.max(change, Math.abs(s - sens[k]!), Math.abs(q - spec[k]!));
      sens[k] = s;
      spec[k] = q;
    }
    if (change < tol) break;
  }
  return { sensitivity: sens, specificity: spec, iterations: Math.min(it, maxIt) };
}

/**
 * The posterior foreground probability of every pixel of one image, given the teachers' parameters. The
 * prior is the image's mean decision unless given. An image no teacher marks (prior 0) stays empty.
 */
export function binaryStaplePosterior(
  maps: readonly Float32Array[],
  params: StapleParams,
  prior?: number,
): Float32Array {
  const n = checkImage(maps);
  const K = maps.length;
  if (params.sensitivity.length !== K || params.specificity.length !== K)
    throw new RangeError(
      `binaryStaplePosterior: parameters for ${params.sensitivity.length} teachers, ${K} maps`,
    );
  const pi = prior ?? meanDecision(maps);
  const out = new Float32Array(n);
  if (pi <= 0 || pi >= 1) return out.fill(pi >= 1 ? 1 : 0);
  const { a, b } = terms(params);
  const base = Math.log(pi / (1 - pi)) + a.reduce((s, x) => s + x, 0);
  for (let i = 0; i < n; i++) {
    let z = base;
    for (let k = 0; k < K; k++) z += maps[k]![i]! * b[k]!;
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

export interface SoftStapleParams {
  /** Per teacher, the mean and variance of its probability on true foreground pixels. */
  fg: { mean: number[]; variance: number[] };
  /** ... and on true background pixels. */
  bg: { mean: number[]; variance: number[] };
}

export interface SoftStapleFit extends SoftStapleParams {
  iterations: number;
}

/** Variances below this are raised to it: a teacher that is 0 on all background must not dominate. */
const MIN_VARIANCE = 1e-3;

/**
 * The log Gaussian density ratio N(d; fg) / N(d; bg) of each teacher, as a quadratic a + b d + c d^2
 * (coefficients per teacher: the E-step then costs three multiply-adds per pixel and teacher).
 */
function quadratic(p: SoftStapleParams): { a: number[]; b: number[]; c: number[] } {
  const K = p.fg.mean.length;
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let k = 0; k < K; k++) {
    const v1 = p.fg.variance[k]!;
    const v0 = p.bg.variance[k]!;
    const m1 = p.fg.mean[k]!;
    const m0 = p.bg.mean[k]!;
    a.push(0.5 * (Math.log(v0 / v1) - (m1 * m1) / v1 + (m0 * m0) / v0));
    b.push(m1 / v1 - m0 / v0);
    c.push(0.5 * (1 / v0 - 1 / v1));
  }
  return { a, b, c };
}

/** Fits each teacher's per-class mean and variance on a set of images (each: its K teachers' maps). */
export function fitSoftStaple(
  images: readonly (readonly Float32Array[])[],
  opts: StapleFitOptions = {},
): SoftStapleFit {
  if (images.length === 0) throw new RangeError('fitSoftStaple needs at least one image');
  const K = images[0]!.length;
  if (images.some((m) => m.length !== K))
    throw new RangeError('fitSoftStaple: images with different teachers');
  const stride = Math.max(1, Math.floor(opts.stride ?? 1));
  const maxIt = opts.maxIterations ?? 100;
  const tol = opts.tolerance ?? 1e-6;
  const priors = images.map((maps) => meanDecision(maps));
  const informative = images.map((_, j) => priors[j]! > 0 && priors[j]! < 1);
  const params: SoftStapleParams = {
    fg: { mean: new Array<number>(K).fill(1), variance: new Array<number>(K).fill(MIN_VARIANCE) },
    bg: { mean: new Array<number>(K).fill(0), variance: new Array<number>(K).fill(MIN_VARIANCE) },
  };
  if (!informative.some(Boolean)) return { ...params, iterations: 0 };
  let it = 0;
  while (it < maxIt) {
    it++;
    // Weighted first and second moments per teacher and class; iteration 1 weighs by the mean map.
    const s1 = { fg: new Float64Array(K), bg: new Float64Array(K) };
    const s2 = { fg: new Float64Array(K), bg: new Float64Array(K) };
    let w1 = 0;
    let w0 = 0;
    const q = quadratic(params);
    images.forEach((maps, j) => {
      if (!informative[j]) return;
      const logitPrior = Math.log(priors[j]! / (1 - priors[j]!));
      const n = maps[0]!.length;
      for (let i = 0; i < n; i += stride) {
        let W: number;
        if (it === 1) {
          W = 0;
          for (let k = 0; k < K; k++) W += maps[k]![i]! / K;
        } else {
          let z = logitPrior;
          for (let k = 0; k < K; k++) {
            const d = maps[k]![i]!;
            z += q.a[k]! + d * (q.b[k]! + d * q.c[k]!);
          }
          W = 1 / (1 + Math.exp(-z));
        }
        w1 += W;
        w0 += 1 - W;
        for (let k = 0; k < K; k++) {
          const d = maps[k]![i]!;
          s1.fg[k] = s1.fg[k]! + W * d;
          s2.fg[k] = s2.fg[k]! + W * d * d;
          s1.bg[k] = s1.bg[k]! + (1 - W) * d;
          s2.bg[k] = s2.bg[k]! + (1 - W) * d * d;
        }
      }
    });
    let change = 0;
    for (const [c, w] of [
      ['fg', w1],
      ['bg', w0],
    ] as const) {
      if (w <= 0) continue;
      for (let k = 0; k < K; k++) {
        const m = s1[c][k]! / w;
        const v = Math.max(MIN_VARIANCE, s2[c][k]! / w - m * m);
        change = Math.max(change, Math.abs(m - params[c].mean[k]!), Math.abs(v - params[c].variance[k]!));
        params[c].mean[k] = m;
        params[c].variance[k] = v;
      }
    }
    if (it > 1 && change < tol) break;
  }
  return { ...params, iterations: it };
}

/** The posterior foreground probability of every pixel of one image under the soft model. */
export function softStaplePosterior(
  maps: readonly Float32Array[],
  params: SoftStapleParams,
  prior?: number,
): Float32Array {
  const n = checkImage(maps);
  const K = maps.length;
  if (params.fg.mean.length !== K || params.bg.mean.length !== K)
    throw new RangeError(`softStaplePosterior: parameters for ${params.fg.mean.length} teachers, ${K} maps`);
  const pi = prior ?? meanDecision(maps);
  const out = new Float32Array(n);
  if (pi <= 0 || pi >= 1) return out.fill(pi >= 1 ? 1 : 0);
  const logitPrior = Math.log(pi / (1 - pi));
  const q = quadratic(params);
  for (let i = 0; i < n; i++) {
    let z = logitPrior;
    for (let k = 0; k < K; k++) {
      const d = maps[k]![i]!;
      z += q.a[k]! + d * (q.b[k]! + d * q.c[k]!);
    }
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

/** Soft STAPLE on one image: fitted on that image, its posterior returned with the fit. */
export function softStaple(
  maps: readonly Float32Array[],
  opts: StapleFitOptions = {},
): SoftStapleFit & { prob: Float32Array } {
  const fit = fitSoftStaple([maps], opts);
  return { ...fit, prob: softStaplePosterior(maps, fit) };
}
