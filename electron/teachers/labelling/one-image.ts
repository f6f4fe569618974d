/**
 * One image fused outside a set run: the soft label of a stored pseudo-label (its params carry the
 * weights 'auto' estimated over its set) and the fusion preview on a few images. For 'auto' without
 * stored weights (a preview), the weights come from this image's own agreement: the job estimates them
 * over the whole set, which a preview of three images cannot.
 */
import { agreementScores, weightsFromAgreement } from '../label-free/agreement-weights.js';
import { autoFuse } from '../label-free/auto.js';
import { fuse, type FusionOptions } from '../fusion.js';
import type { ImageLabel } from './set-fusion.js';

export function fuseOneImage(maps: readonly Float32Array[], fusion: FusionOptions): ImageLabel {
  if (fusion.method === 'auto') {
    const w =
      fusion.weights?.length === maps.length
        ? [...fusion.weights]
        : weightsFromAgreement(agreementScores(maps));
    return autoFuse(maps, w);
  }
  const f = fuse(maps, fusion);
  return { prob: f.prob, mask: f.mask, threshold: fusion.threshold ?? 0.5 };
}
