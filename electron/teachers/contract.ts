/**
 * A teacher is a black box with a declared input and output contract. These are the normalized forms the
 * runners work with; teacher cards (card.ts) and model metadata are parsed into them.
 */

export type Layout = 'NCHW' | 'NHWC';
export type ResizePolicy = 'stretch' | 'letterbox';
export type OutputKind = 'logits' | 'sigmoid' | 'softmax';

export interface InputContract {
  /** The model's input tensor; undefined = its first input. */
  name?: string;
  layout: Layout;
  height: number;
  width: number;
  /** 1 = grey (RGB sources through ITU-R 601-2 luma, as PIL convert("L")); 3 = RGB (grey replicated). */
  channels: 1 | 3;
  /** x[c] = (pixel * scale - mean[c]) / std[c], pixel in 0..255. */
  scale: number;
  mean: number[];
  std: number[];
  resize: ResizePolicy;
  /** Letterbox canvas value in pixel units (applied before scaling). */
  padValue: number;
}

export interface OutputContract {
  /** The model's output tensor; undefined = its first output. */
  name?: string;
  /**
   * logits: raw scores (sigmoid for 1 channel, softmax over channels otherwise); sigmoid: per-channel
   * probabilities; softmax: probabilities that already sum to 1 over channels.
   */
  kind: OutputKind;
  channels: number;
  foregroundChannel: number;
  layout: Layout;
}

export interface TensorContract {
  input: InputContract;
  output: OutputContract;
}

/** Where the image lies on the model's input grid (stretch: the whole grid). */
export interface Placement {
  rows: number;
  cols: number;
  top: number;
  left: number;
  /** Resized image size on the grid. */
  nh: number;
  nw: number;
}
