/**
 * What a pseudo-labelling run's fusion did and why, as the core that ran it reports it: the transfer's
 * summary and report, the project's pseudo-label job result and the CLI carry it unchanged, so every
 * screen and script reads the same fields.
 */
import type { FusionMethod } from './recipe.js';

export interface FusionTeacherReport {
  name: string;
  /**
   * The teacher's share of the fused map (the weights sum to 1): estimated from agreement for 'auto',
   * the normalized given weights for 'weighted', equal for 'mean' and 'vote'; null for 'staple', whose
   * posterior weighs teachers per pixel pattern rather than by one number.
   */
  weight: number | null;
  /**
   * Mean over the images of the soft Dice between this teacher's map and the mean map of the others
   * (label-free); null with a single teacher, who has no one to agree with.
   */
  agreement: number | null;
}

export interface FusionThresholdReport {
  /** True when each image got its own threshold ('auto': Otsu's), false for one fixed threshold. */
  perImage: boolean;
  /** Over the images that got a threshold (an image judged empty has none); null when none did. */
  median: number | null;
  min: number | null;
  max: number | null;
}

export interface FusionReport {
  method: FusionMethod;
  /** The test-time-augmentation views each teacher ran on (e.g. identity, flip, zoom0.85); empty: none. */
  ttaViews: string[];
  /** Per teacher, in the run's order. */
  teachers: FusionTeacherReport[];
  /** Where the weights come from: this image set, or another set's estimate reused (the transferal set's, on the test set). */
  weightsFrom: 'this-set' | 'reused';
  /** Images fused. */
  images: number;
  threshold: FusionThresholdReport;
  /** Images whose fused label is empty before post-processing ('auto': no teacher saw anything there). */
  emptyImages: number;
  /** One sentence saying what ran and why, for a report or a screen. */
  why: string;
}
