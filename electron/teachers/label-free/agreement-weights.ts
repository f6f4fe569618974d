/**
 * How much to trust each teacher, estimated without labels from how well it agrees with the others.
 * A teacher's agreement on an image is the soft Dice between its foreground probability map and the
 * mean map of the OTHER teachers (leave-one-out, so that a teacher does not vote for itself). Averaged
 * over a set of images it is a per-teacher reliability (global weights); on one image it is that image's
 * reliability (per-image weights, or picking the single most agreeing teacher).
 * With one teacher there is nothing to agree with: its weight is 1.
 */

/** Soft Dice 2 sum(a b) / (sum a + sum b); 1 when both maps are empty. */
export function softDice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`softDice: maps of ${a.length} and ${b.length} pixels`);
  let ab = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    sa += x;
    sb += y;
  }
  return sa + sb === 0 ? 1 : (2 * ab) / (sa + sb);
}

/** Per teacher, the soft Dice of its map against the mean of the others' maps, on one image. */
export function agreementScores(maps: readonly Float32Array[]): number[] {
  const K = maps.length;
  if (K === 0) throw new RangeError('agreementScores needs at least one map');
  if (K === 1) return [1];
  const n = maps[0]!.length;
  if (maps.some((m) => m.length !== n)) throw new RangeError('agreementScores: the maps differ in size');
  const sum = new Float32Array(n);
  for (const m of maps) for (let i = 0; i < n; i++) sum[i] = sum[i]! + m[i]!;
  const others = new Float32Array(n);
  return maps.map((m) => {
    for (let i = 0; i < n; i++) others[i] = (sum[i]! - m[i]!) / (K - 1);
    return softDice(m, others);
  });
}

/**
 * Weights (summing to 1) from agreement scores: w_k proportional to score_k^power. A higher power trusts
 * the most agreeing teacher more; power 0 is the plain mean. A teacher that agrees with nobody (score 0)
 * gets weight 0, unless all do, then the weights are equal.
 */
export function weightsFromAgreement(scores: readonly number[], power = 1): number[] {
  if (scores.length === 0) throw new RangeError('weightsFromAgreement needs at least one score');
  if (scores.some((s) => !Number.isFinite(s) || s < 0))
    throw new RangeError(`agreement scores must be finite and >= 0, got ${scores.join(', ')}`);
  const raw = scores.map((s) => (power === 0 ? 1 : s ** power));
  const total = raw.reduce((a, b) => a + b, 0);
  return total > 0 ? raw.map((r) => r / total) : scores.map(() => 1 / scores.length);
}

/** Per-teacher agreement averaged over a set of images (each element: one image's agreementScores). */
export function meanAgreement(perImage: readonly (readonly number[])[]): number[] {
  if (perImage.length === 0) throw new RangeError('meanAgreement needs at least one image');
  const K = perImage[0]!.length;
  if (perImage.some((s) => s.length !== K))
    throw new RangeError('meanAgreement: images with different teachers');
  const out = new Array<number>(K).fill(0);
  for (const s of perImage) s.forEach((v, k) => (out[k] = out[k]! + v / perImage.length));
  return out;
}

/** The teacher that agrees most with the others on this image (the first one on a tie). */
export function mostAgreeingTeacher(maps: readonly Float32Array[]): number {
  const s = agreementScores(maps);
  let best = 0;
  for (let k = 1; k < s.length; k++) if (s[k]! > s[best]!) best = k;
  return best;
}
