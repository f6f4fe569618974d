/**
 * Several teachers' foreground probabilities (on the same image grid) -> one soft label and one hard mask,
 * image by image. The default method, 'auto', weighs the teachers over a whole image set, so it is fused
 * by the pseudo-labelling core (labelling/set-fusion.ts), not here.
 *   mean      plain mean probability (what fuse() does when no method is given)
 *   weighted  weighted mean (weights >= 0, normalized)
 *   vote      fraction of teachers whose own mask (p > 0.5) says foreground
 *   staple    STAPLE (Warfield et al. 2004): EM over the teachers' masks estimating each one's sensitivity
 *             and specificity; the soft label is the posterior foreground probability
 * The hard mask is soft > threshold (0.5 by default: a strict majority for vote).
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { FUSION_METHODS, type FusionMethod } from '../../shared/recipe.js';

export interface FusionOptions {
  method?: FusionMethod;
  /** One per teacher, for 'weighted'. */
  weights?: readonly number[];
  /** Applied to the fused soft label (default 0.5). */
  threshold?: number;
  /** Teachers also run on test-time-augmented views (the pseudo-labelling core reads it; unset: on for 'auto'). */
  tta?: boolean;
}

export interface Fused {
  /** Soft label: fused foreground probability per pixel. */
  prob: Float32Array;
  /** Hard label, 0/1. */
  mask: Uint8Array;
  /** STAPLE's per-teacher estimates (what the fusion believed about each teacher). */
  staple?: { sensitivity: number[]; specificity: number[]; iterations: number };
}

/** A teacher's own mask decision, as the cards define it. */
const DECISION = 0.5;

function checkMaps(maps: readonly Float32Array[]): number {
  if (maps.length === 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Fusion needs at least one probability map');
  const n = maps[0]!.length;
  if (maps.some((m) => m.length !== n))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'The probability maps to fuse differ in size', {
      sizes: maps.map((m) => m.length),
    });
  return n;
}

function normalizedWeights(w: readonly number[] | undefined, k: number): number[] {
  if (w === undefined || w.length !== k)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Weighted fusion needs ${k} weight(s), one per teacher (got ${w?.length ?? 0})`,
      {
        field: 'weights',
      },
    );
  if (w.some((v) => !Number.isFinite(v) || v < 0))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Fusion weights must be finite and >= 0', {
      field: 'weights',
    });
  const sum = w.reduce((s, v) => s + v, 0);
  if (sum <= 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Fusion weights sum to 0', { field: 'weights' });
  return w.map((v) => v / sum);
}

function weightedMean(maps: readonly Float32Array[], w: readonly number[], n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < maps.length; k++) {
    const m = maps[k]!;
    const wk = w[k]!;
    for (let i = 0; i < n; i++) out[i] = out[i]! + wk * m[i]!;
  }
  return out;
}

function vote(maps: readonly Float32Array[], n: number): Float32Array {
  const out = new Float32Array(n);
  for (const m of maps) for (let i = 0; i < n; i++) if (m[i]! > DECISION) out[i] = out[i]! + 1;
  for (let i = 0; i < n; i++) out[i] = out[i]! / maps.length;
  return out;
}

/**
 * Binary STAPLE on the teachers' masks. The prior is the global foreground fraction of the masks; the
 * starting sensitivity/specificity 0.99 (Warfield's suggestion). Pixels where all teachers agree are
 * grouped by pattern, so each EM step costs O(distinct patterns x teachers) after one pass.
 */
export function staple(
  maps: readonly Float32Array[],
  n: number,
  opts: { maxIterations?: number; tolerance?: number } = {},
): { prob: Float32Array; sensitivity: number[]; specificity: number[]; iterations: number } {
  const K = maps.length;
  if (K > 24) throw new AppError(ErrorCode.INVALID_ARGUMENT, 'STAPLE supports up to 24 teachers');
  // Each pixel's decisions as a bit pattern; EM only needs how many pixels share each pattern.
  const pattern = new Int32Array(n);
  for (let k = 0; k < K; k++) {
    const m = maps[k]!;
    for (let i = 0; i < n; i++) if (m[i]! > DECISION) pattern[i] = pattern[i]! | (1 << k);
  }
  const countOf = new Map<number, number>();
  let fgVotes = 0;
  for (let i = 0; i < n; i++) countOf.set(pattern[i]!, (countOf.get(pattern[i]!) ?? 0) + 1);
  const patterns = [...countOf.keys()];
  const counts = patterns.map((p) => countOf.get(p)!);
  patterns.forEach((p, j) => {
    for (let k = 0; k < K; k++) if (p & (1 << k)) fgVotes += counts[j]!;
  });
  const prior = fgVotes / (n * K);
  const sens = new Array<number>(K).fill(0.99);
  const spec = new Array<number>(K).fill(0.99);
  const W = new Float64Array(patterns.length);
  let it = 0;
  if (prior > 0 && prior < 1) {
    const maxIt = opts.maxIterations ?? 100;
    const tol = opts.tolerance ?? 1e-7;
    for (it = 1; it <= maxIt; it++) {
      patterns.forEach((p, j) => {
        let a = prior;
        let b = 1 - prior;
        for (let k = 0; k < K; k++) {
          const d = (p >> k) & 1;
          a *= d ? sens[k]! : 1 - sens[k]!;
          b *= d ? 1 - spec[k]! : spec[k]!;
        }
        W[j] = a + b > 0 ? a / (a + b) : 0;
      });
      let change = 0;
      for (let k = 0; k < K; k++) {
        let tp = 0;
        let w = 0;
        let tn = 0;
        let v = 0;
        patterns.forEach((p, j) => {
          const c = counts[j]!;
          const d = (p >> k) & 1;
          w += c * W[j]!;
          v += c * (1 - W[j]!);
          if (d) tp += c * W[j]!;
          else tn += c * (1 - W[j]!);
        });
        const s = w > 0 ? tp / w : sens[k]!;
        const q = v > 0 ? tn / v : spec[k]!;
        change = Math.max(change, Math.abs(s - sens[k]!), Math.abs(q - spec[k]!));
        sens[k] = s;
        spec[k] = q;
      }
      if (change < tol) break;
    }
  } else {
    patterns.forEach((_, j) => (W[j] = prior >= 1 ? 1 : 0));
  }
  const index = new Map(patterns.map((p, j) => [p, W[j]!]));
  const prob = new Float32Array(n);
  for (let i = 0; i < n; i++) prob[i] = index.get(pattern[i]!)!;
  return { prob, sensitivity: sens, specificity: spec, iterations: it };
}

export function fuse(maps: readonly Float32Array[], opts: FusionOptions = {}): Fused {
  const n = checkMaps(maps);
  const method = opts.method ?? 'mean';
  const t = opts.threshold ?? 0.5;
  if (!(t >= 0 && t < 1))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `Fusion threshold must be in [0, 1), got ${t}`, {
      field: 'threshold',
    });
  let prob: Float32Array;
  let extra: Fused['staple'];
  switch (method) {
    case 'mean':
      prob = weightedMean(maps, new Array<number>(maps.length).fill(1 / maps.length), n);
      break;
    case 'weighted':
      prob = weightedMean(maps, normalizedWeights(opts.weights, maps.length), n);
      break;
    case 'vote':
      prob = vote(maps, n);
      break;
    case 'staple': {
      const s = staple(maps, n);
      prob = s.prob;
      extra = { sensitivity: s.sensitivity, specificity: s.specificity, iterations: s.iterations };
      break;
    }
    case 'auto':
      // Its weights come from the teachers' agreement over the whole image set, not from one image.
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        'Automatic fusion weighs the teachers over the whole image set: fuse the set (labelling/set-fusion.ts), not one image',
        { field: 'method' },
      );
    default:
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `Unknown fusion method "${String(method)}" (${FUSION_METHODS.join(', ')})`,
        {
          field: 'method',
        },
      );
  }
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = prob[i]! > t ? 1 : 0;
  return extra ? { prob, mask, staple: extra } : { prob, mask };
}
