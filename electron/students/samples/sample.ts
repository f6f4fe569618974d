/** A training/evaluation sample on its own grid, and prepared at the model's. */

/** How mask values become targets: non-zero = 1; value/255 as a probability; value = class index. */
export type TargetMode = 'binary' | 'soft' | 'labels';

export interface Sample {
  id: string;
  /** Patient/case grouping for the validation split. */
  caseId: string;
  rows: number;
  cols: number;
  channels: number;
  /** rows x cols x channels, interleaved, in [0, 1]. */
  image: Float32Array;
  /** rows x cols raw mask values (0..255), or null for prediction-only samples. */
  mask: Uint8Array | null;
  spacing: [number, number] | null;
  imagePath?: string;
  maskPath?: string;
}

/** A sample at model resolution: x is size x size x inChannels, y is size x size x targetChannels. */
export interface Prepared {
  id: string;
  x: Float32Array;
  y: Float32Array;
}

/** How a sample becomes model input and target: the model's grid, channels and classes, the target rule. */
export interface PrepareSpec {
  size: number;
  inChannels: number;
  mode: TargetMode;
  classes: number;
}
