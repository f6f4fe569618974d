export { overlapCounts, overlapMetrics, type OverlapCounts, type OverlapMetrics } from './overlap.js';
export { boundary, hd95, percentile, squaredDistanceTransform } from './hausdorff.js';
export {
  METRIC_CONVENTIONS,
  caseMetrics,
  summarize,
  toCsv,
  type CaseMetrics,
  type EvaluationSummary,
} from './evaluate.js';
