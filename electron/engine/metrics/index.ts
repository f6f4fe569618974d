export {
  dice,
  iou,
  overlapCounts,
  overlapMetrics,
  threshold,
  type OverlapCounts,
  type OverlapMetrics,
} from './overlap.js';
export { boundary, hd95, percentile, squaredDistanceTransform } from './hausdorff.js';
export { squaredDistanceTransform3d } from './distance-transform.js';
export {
  METRIC_CONVENTIONS,
  caseMetrics,
  mean,
  summarize,
  toCsv,
  type CaseMetrics,
  type EvaluationSummary,
} from './evaluate.js';
export {
  VOLUME_CONVENTIONS,
  hd95Volume,
  summarizeVolumes,
  volumeMetrics,
  type MaskVolume,
  type VolumeMetrics,
  type VolumeSummary,
  type VoxelSpacing,
} from './volume.js';
