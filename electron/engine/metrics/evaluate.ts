/**
 * Per-image and aggregate segmentation metrics. Aggregates are means over images of the per-image
 * values (not pooled pixel counts); HD95 means skip the images where it is undefined (exactly one mask
 * empty) and say how many they used. Conventions are in overlap.ts and hausdorff.ts and are repeated in
 * every report's `conventions` field so that a CSV or JSON read elsewhere carries them.
 */
import { csvText } from '../../../shared/csv.js';
import { hd95 } from './hausdorff.js';
import { overlapCounts, overlapMetrics, type OverlapMetrics } from './overlap.js';

export const METRIC_CONVENTIONS =
  'Per-image metrics on the ground truth grid, foreground = non-zero. Dice/IoU/precision/recall with a zero denominator: 1 if prediction and truth are both empty, else 0. ' +
  'HD95 = 95th percentile of the pooled boundary-to-boundary distances in both directions (medpy hd95); 0 when both masks are empty, undefined (null, left out of the mean) when exactly one is. ' +
  'hd95_mm only where the pixel spacing is known. Aggregates are means over images.';

export interface CaseMetrics extends OverlapMetrics {
  case: string;
  hd95_px: number | null;
  hd95_mm: number | null;
  truth_pixels: number;
  pred_pixels: number;
}

export interface EvaluationSummary {
  n: number;
  dice_mean: number;
  iou_mean: number;
  precision_mean: number;
  recall_mean: number;
  hd95_px_mean: number | null;
  hd95_px_n: number;
  hd95_mm_mean: number | null;
  hd95_mm_n: number;
  conventions: string;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export function caseMetrics(
  name: string,
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  rows: number,
  cols: number,
  spacing?: [number, number] | null,
): CaseMetrics {
  const counts = overlapCounts(pred, truth);
  return {
    case: name,
    ...overlapMetrics(counts),
    hd95_px: finite(hd95(pred, truth, rows, cols)),
    hd95_mm: spacing ? finite(hd95(pred, truth, rows, cols, spacing)) : null,
    truth_pixels: counts.tp + counts.fn,
    pred_pixels: counts.tp + counts.fp,
  };
}

/** Mean of per-image values; NaN for none. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** HD95 means leave out the images where it is undefined, and are null when none is left. */
const meanOrNull = (xs: readonly number[]): number | null => (xs.length === 0 ? null : mean(xs));

export function summarize(rows: readonly CaseMetrics[]): EvaluationSummary {
  const hdPx = rows.map((r) => r.hd95_px).filter((v): v is number => v !== null);
  const hdMm = rows.map((r) => r.hd95_mm).filter((v): v is number => v !== null);
  return {
    n: rows.length,
    dice_mean: mean(rows.map((r) => r.dice)),
    iou_mean: mean(rows.map((r) => r.iou)),
    precision_mean: mean(rows.map((r) => r.precision)),
    recall_mean: mean(rows.map((r) => r.recall)),
    hd95_px_mean: meanOrNull(hdPx),
    hd95_px_n: hdPx.length,
    hd95_mm_mean: meanOrNull(hdMm),
    hd95_mm_n: hdMm.length,
    conventions: METRIC_CONVENTIONS,
  };
}

const CSV_COLUMNS = [
  'case',
  'dice',
  'iou',
  'precision',
  'recall',
  'hd95_px',
  'hd95_mm',
  'truth_pixels',
  'pred_pixels',
] as const;

/** Per-case rows as CSV (shared/csv.ts' rule); numbers to 6 decimals without trailing zeros. */
export function toCsv(rows: readonly CaseMetrics[]): string {
  const cell = (v: CaseMetrics[(typeof CSV_COLUMNS)[number]]) =>
    typeof v === 'number' ? Number(v.toFixed(6)) : v;
  return csvText(
    CSV_COLUMNS,
    rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c]))),
  );
}
