import type { ImageStack } from '../types.js';

/**
 * A label map on the grid of an image stack: one array per slice, row-major, value 0 = background and
 * 1..n = segment numbers (a binary mask uses 1). Slices line up one to one with the source stack's slices.
 */
export interface MaskStack {
  rows: number;
  cols: number;
  slices: (Uint8Array | Uint16Array)[];
  /** Segment number -> name, when the source says (NIfTI label tables are not read; SEG segment labels are). */
  segments: { number: number; label: string }[];
}

/** Geometry a mask writer needs from the image it belongs to. */
export type MaskReference = Pick<
  ImageStack,
  | 'rows'
  | 'cols'
  | 'slices'
  | 'pixelSpacing'
  | 'sliceSpacing'
  | 'orientation'
  | 'format'
  | 'meta'
  | 'modality'
> &
  Partial<Pick<ImageStack, 'studyInstanceUid' | 'frameOfReferenceUid' | 'seriesKey' | 'seriesDescription'>>;
