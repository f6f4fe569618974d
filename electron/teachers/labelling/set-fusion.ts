/**
 * Fusion of an image set, one image at a time, with what the set says about its teachers. Every method
 * fuses image by image; 'auto' first needs the teachers' agreement over the WHOLE set (its weights,
 * label-free/auto.ts estimateAutoWeights), so a caller feeds every image's maps to `observe` in a first
 * pass and fuses in a second, unless weights estimated on another set are given (the transfer's test set
 * reuses the transferal set's). Only the agreement scores are kept between the passes (K numbers per
 * image), never the maps. It also records what it did, for the FusionReport.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { FusionReport } from '../../../shared/fusion-report.js';
import { FUSION_METHOD_LABELS, type FusionMethod } from '../../../shared/recipe.js';
import { fuse, type FusionOptions } from '../fusion.js';
import { agreementScores, meanAgreement, weightsFromAgreement } from '../label-free/agreement-weights.js';
import { autoFuse } from '../label-free/auto.js';

export interface SetFusionOptions extends FusionOptions {
  method: FusionMethod;
  /** The TTA views the maps were made with (their names), for the report. */
  ttaViews?: readonly string[];
  /** For 'auto': weights estimated on another set, used instead of this set's (no first pass then). */
  reuseWeights?: readonly number[];
}

export interface ImageLabel {
  /** Fused foreground probability. */
  prob: Float32Array;
  /** Hard label, 0/1, before post-processing. */
  mask: Uint8Array;
  /** The threshold this image was cut at; null when 'auto' judged it empty. */
  threshold: number | null;
}

const DEFAULT_THRESHOLD = 0.5;

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmt = (x: number) => x.toFixed(3);

export class SetFusion {
  private readonly scores: number[][] = [];
  private readonly thresholds: number[] = [];
  private emptyImages = 0;
  private fused = 0;
  private estimated: number[] | null = null;

  constructor(
    readonly teacherNames: readonly string[],
    readonly options: SetFusionOptions,
  ) {
    const K = teacherNames.length;
    if (K === 0) throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Fusion needs at least one teacher');
    const reuse = options.reuseWeights;
    if (reuse !== undefined && (reuse.length !== K || reuse.some((w) => !(w >= 0))))
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `Reused fusion weights: ${K} weight(s) >= 0 expected, got ${reuse.join(', ')}`,
        { field: 'weights' },
      );
    // Checked now, not after the first hour of inference (fuse() checks method, weights and threshold).
    if (options.method !== 'auto')
      fuse(
        teacherNames.map(() => new Float32Array(1)),
        options,
      );
  }

  /** Whether every image must be observed before the first one can be fused. */
  get needsFirstPass(): boolean {
    return (
      this.options.method === 'auto' &&
      this.options.reuseWeights === undefined &&
      this.teacherNames.length > 1
    );
  }

  /** Records one image's agreement scores (call once per image, in either pass); returns them. */
  observe(maps: readonly Float32Array[]): number[] {
    const scores = agreementScores(maps);
    this.observeScores(scores);
    return scores;
  }

  /**
   * Records one image's agreement scores as `observe` computed them elsewhere (a shard of a sharded
   * pass 1): the same numbers in the same image order give the same weights to the last bit.
   */
  observeScores(scores: readonly number[]): void {
    const K = this.teacherNames.length;
    if (scores.length !== K || scores.some((s) => !Number.isFinite(s) || s < 0))
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `Agreement scores: ${K} finite number(s) >= 0 expected, got ${scores.join(', ')}`,
      );
    this.scores.push([...scores]);
    this.estimated = null;
  }

  /** The weights 'auto' fuses with: reused, or estimated from the images observed so far. */
  autoWeights(): number[] {
    if (this.options.reuseWeights) return [...this.options.reuseWeights];
    if (this.teacherNames.length === 1) return [1];
    if (this.scores.length === 0)
      throw new AppError(
        ErrorCode.FAILED_PRECONDITION,
        'Automatic fusion has no image to weigh the teachers on',
      );
    this.estimated ??= weightsFromAgreement(meanAgreement(this.scores));
    return this.estimated;
  }

  /** One image's label (maps on its grid, in teacher order). */
  fuseImage(maps: readonly Float32Array[]): ImageLabel {
    let label: ImageLabel;
    if (this.options.method === 'auto') label = autoFuse(maps, this.autoWeights());
    else {
      const f = fuse(maps, this.options);
      label = { prob: f.prob, mask: f.mask, threshold: this.options.threshold ?? DEFAULT_THRESHOLD };
    }
    this.fused++;
    if (label.threshold !== null) this.thresholds.push(label.threshold);
    if (!label.mask.some((v) => v !== 0)) this.emptyImages++;
    return label;
  }

  /** The per-teacher weights of the report (see FusionTeacherReport.weight). */
  private reportedWeights(): (number | null)[] {
    const K = this.teacherNames.length;
    switch (this.options.method) {
      case 'auto':
        return this.scores.length || this.options.reuseWeights || K === 1
          ? this.autoWeights()
          : this.teacherNames.map(() => null);
      case 'weighted': {
        const w = this.options.weights ?? [];
        const sum = w.reduce((a, b) => a + b, 0);
        return w.map((v) => v / sum);
      }
      case 'staple':
        return this.teacherNames.map(() => null);
      default:
        return this.teacherNames.map(() => 1 / K);
    }
  }

  report(): FusionReport {
    const o = this.options;
    const K = this.teacherNames.length;
    const agreement = K > 1 && this.scores.length ? meanAgreement(this.scores) : null;
    const weights = this.reportedWeights();
    const perImage = o.method === 'auto';
    const ts = this.thresholds;
    const threshold = {
      perImage,
      median: median(ts),
      min: ts.length ? Math.min(...ts) : null,
      max: ts.length ? Math.max(...ts) : null,
    };
    const tta = [...(o.ttaViews ?? [])];
    return {
      method: o.method,
      ttaViews: tta,
      teachers: this.teacherNames.map((name, k) => ({
        name,
        weight: weights[k] ?? null,
        agreement: agreement ? agreement[k]! : null,
      })),
      weightsFrom: o.reuseWeights ? 'reused' : 'this-set',
      images: this.fused,
      threshold,
      emptyImages: this.emptyImages,
      why: this.why(weights, threshold.median, tta),
    };
  }

  private why(weights: readonly (number | null)[], medianT: number | null, tta: readonly string[]): string {
    const o = this.options;
    const K = this.teacherNames.length;
    const views =
      tta.length > 1
        ? `each teacher's map is the mean of its ${tta.length} test-time-augmentation views (${tta.join(', ')}); `
        : '';
    const empty = this.emptyImages ? `, ${this.emptyImages} image(s) judged empty` : '';
    if (o.method === 'auto') {
      const cut = `each image cut at its own Otsu threshold (median ${medianT === null ? 'n/a' : fmt(medianT)}${empty}), because teachers in a new domain are mis-calibrated and 0.5 is a guess`;
      if (K === 1) return `${FUSION_METHOD_LABELS.auto}: one teacher, so nothing to weigh; ${views}${cut}.`;
      const w = this.teacherNames
        .map((n, k) => `${n} ${weights[k] === null ? 'n/a' : fmt(weights[k]!)}`)
        .join(', ');
      const from = o.reuseWeights
        ? 'weights estimated on the transferal set from the teachers’ agreement (no label read), reused here'
        : `weights from each teacher's agreement with the others over all ${this.scores.length} image(s), no label read`;
      return `${FUSION_METHOD_LABELS.auto}: ${views}${from} (${w}); ${cut}. It beat every fixed rule in the label-free fusion study (README).`;
    }
    const t = o.threshold ?? DEFAULT_THRESHOLD;
    return `${FUSION_METHOD_LABELS[o.method]} of ${K} teacher(s) cut at ${t}, as chosen in the settings; ${views}${this.emptyImages} image(s) came out empty.`;
  }
}
