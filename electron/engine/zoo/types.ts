/** The model zoo's contract: which architectures exist and the knobs every one of them takes. */

export const ARCHS = ['unet', 'attention-unet', 'residual-unet', 'unet++', 'deeplabv3+'] as const;
export type Arch = (typeof ARCHS)[number];

export interface ArchConfig {
  arch: Arch;
  /** Input height = width in pixels; must be a multiple of `sizeMultiple(config)`. */
  size: number;
  /** 1 (grey) or 3 (RGB). */
  inChannels: 1 | 3;
  /** 1 = binary (one logit, sigmoid); >= 2 = that many classes (softmax over logits). */
  classes: number;
  /** Filters of the first level; each level down doubles them. */
  width: number;
  /**
   * U-Net family: number of 2x down-sampling levels. DeepLabv3+: number of atrous residual blocks
   * after output stride 8 (rates 2, 4, 8, ...).
   */
  depth: number;
  batchNorm: boolean;
  /** UNet++ only: one head per nested decoder column, averaged in the loss; inference uses the last. */
  deepSupervision: boolean;
  /** Seeds every initializer (each layer gets seed + its index), so a build is reproducible. */
  seed: number;
}

/** The input size must be a multiple of this. */
export function sizeMultiple(c: Pick<ArchConfig, 'arch' | 'depth'>): number {
  return c.arch === 'deeplabv3+' ? 16 : Math.max(16, 2 ** c.depth);
}
