/** Flag parsing shared by `infer`, `fuse` and `transfer`: fusion method and post-processing options. */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { numberList, oneOf, positiveInt, unitInterval } from '../flags.js';
import { FUSION_METHODS, type FusionMethod } from '../../../shared/recipe.js';
import type { FusionOptions } from '../../teachers/fusion.js';
import type { PostProcessOptions } from '../../../shared/masks/morphology.js';

/** The parseArgs options of fusion and post-processing, the same for infer, fuse and transfer. */
export const FUSION_OPTIONS = {
  fuse: { type: 'string' },
  weights: { type: 'string' },
  threshold: { type: 'string' },
  lcc: { type: 'boolean' },
  'fill-holes': { type: 'boolean' },
  'min-island': { type: 'string' },
} as const;

/** Test-time augmentation of the teachers, for the commands that run them (`infer`). */
export const TTA_OPTIONS = {
  tta: { type: 'boolean' },
  'no-tta': { type: 'boolean' },
} as const;

/** --tta / --no-tta as a setting: unset leaves the method's own choice (on for auto). */
export function ttaFlag(tta: boolean | undefined, noTta: boolean | undefined): boolean | undefined {
  if (tta && noTta) throw new AppError(ErrorCode.INVALID_ARGUMENT, 'give --tta or --no-tta, not both');
  return tta ? true : noTta ? false : undefined;
}

/** The fusion flags as options; `fallback` is the method when --fuse is not given. */
export function fusionFlags(
  method: string | undefined,
  weights: string | undefined,
  threshold: string | undefined,
  fallback: FusionMethod,
): FusionOptions {
  const m = oneOf(method, FUSION_METHODS, 'fuse', fallback);
  if (m === 'weighted' && weights === undefined)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, '--fuse weighted needs --weights');
  if (m !== 'weighted' && weights !== undefined)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, '--weights goes with --fuse weighted');
  const o: FusionOptions = { method: m };
  if (weights !== undefined) o.weights = numberList(weights, '--weights');
  if (threshold !== undefined) o.threshold = unitInterval(threshold, '--threshold');
  return o;
}

export function postFlags(
  lcc: boolean | undefined,
  fillHoles: boolean | undefined,
  minIsland: string | undefined,
): PostProcessOptions {
  return {
    largestComponent: lcc === true,
    fillHoles: fillHoles === true,
    minIslandSize: minIsland === undefined ? 0 : positiveInt(minIsland, '--min-island'),
  };
}
