/**
 * The pseudo-labelling front ends (folder-run, fuse-folders) still import these names from here while
 * they are rewritten; the one definition of each is in engine/metrics (one empty-mask convention).
 */
export { dice, iou, mean, threshold } from '../engine/metrics/index.js';
