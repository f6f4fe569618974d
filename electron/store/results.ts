/**
 * Results kept in the project so that they outlive a restart: evaluations (settings, date, the summary
 * per source and every per-image row) and finished transfer runs (spec, output folder, summary with its
 * score table, report path). Rows do not reference datasets or images by foreign key: a result keeps its
 * names and numbers after the data it was measured on is deleted.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import type {
  CaseScores,
  EvaluationListItem,
  EvaluationReport,
  EvaluationSummaryDto,
  SavedEvaluation,
  VolumeEvaluation,
} from '../../shared/dto.js';
import type { TransferRunRecord, TransferSpec, TransferSummary } from '../../shared/transfer.js';
import { type Db, checkId, checkText, nowIso, parseJson, toJson } from './sqlite.js';

interface EvaluationRow {
  id: number;
  /** NULL once the dataset is deleted. */
  dataset_id: number | null;
  dataset_name: string;
  settings_json: string;
  images: number;
  summary_json: string;
  created_at: string;
}

interface CaseRow {
  source: string;
  image_id: number | null;
  case_name: string;
  dice: number | null;
  iou: number | null;
  precision: number | null;
  recall: number | null;
  hd95_px: number | null;
  hd95_mm: number | null;
  truth_pixels: number;
  pred_pixels: number;
}

/** SQLite keeps NaN as NULL; an undefined score (both masks empty) reads back as NaN. */
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
const orNaN = (v: number | null): number => v ?? NaN;

/**
 * Unlinks the evaluations of a dataset being deleted from it and from its images, inside the caller's
 * transaction: `images` and `datasets` ids are plain INTEGER PRIMARY KEYs, so the next import takes the
 * deleted ids again, and a kept link would file the evaluation under the new dataset and open new
 * images for its cases. The evaluation keeps its dataset name, case names and numbers.
 */
export function detachEvaluationsFromDataset(db: Db, datasetId: number): void {
  db.run(
    'UPDATE evaluation_cases SET image_id = NULL WHERE image_id IN (SELECT id FROM images WHERE dataset_id = ?)',
    [datasetId],
  );
  db.run('UPDATE evaluations SET dataset_id = NULL WHERE dataset_id = ?', [datasetId]);
}

export class Evaluations {
  constructor(private readonly db: Db) {}

  /** Keeps an evaluation with its settings and every per-image row, in one commit. */
  add(e: {
    report: EvaluationReport;
    datasetName: string;
    settings: Record<string, unknown>;
  }): SavedEvaluation {
    checkText(e.datasetName, 'dataset name', 200);
    // Per-volume scores are few (one row per series): they stay in the summary's JSON with their source.
    const summaries = e.report.sources.map((s) => ({
      source: s.source,
      summary: s.summary,
      ...(s.volumes ? { volumes: s.volumes } : {}),
    }));
    const id = this.db.tx(() => {
      const r = this.db.run(
        `INSERT INTO evaluations (dataset_id, dataset_name, settings_json, images, summary_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [
          checkId(e.report.datasetId, 'dataset id'),
          e.datasetName,
          toJson(e.settings, 'evaluation settings'),
          e.report.images,
          toJson(summaries, 'evaluation summary'),
          nowIso(),
        ],
      );
      const id = Number(r.lastInsertRowid);
      for (const s of e.report.sources)
        s.cases.forEach((c, position) =>
          this.db.run(
            `INSERT INTO evaluation_cases (evaluation_id, source, position, image_id, case_name, dice, iou,
               precision, recall, hd95_px, hd95_mm, truth_pixels, pred_pixels)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              id,
              s.source,
              position,
              c.imageId ?? null,
              c.case,
              finiteOrNull(c.dice),
              finiteOrNull(c.iou),
              finiteOrNull(c.precision),
              finiteOrNull(c.recall),
              c.hd95_px === null ? null : finiteOrNull(c.hd95_px),
              c.hd95_mm === null ? null : finiteOrNull(c.hd95_mm),
              c.truth_pixels,
              c.pred_pixels,
            ],
          ),
        );
      return id;
    });
    return this.get(id);
  }

  /** Earlier evaluations, newest first, without their per-image rows. */
  list(): EvaluationListItem[] {
    return this.db.all<EvaluationRow>('SELECT * FROM evaluations ORDER BY id DESC').map((r) => ({
      ...header(r),
      sources: parseJson<{ source: string; summary: EvaluationSummaryDto }[]>(r.summary_json).map((s) => ({
        source: s.source,
        summary: s.summary,
      })),
    }));
  }

  /** One evaluation with its per-image rows, as evaluateDataset reported it. */
  get(id: number): SavedEvaluation {
    const r = this.db.get<EvaluationRow>('SELECT * FROM evaluations WHERE id = ?', [
      checkId(id, 'evaluation id'),
    ]);
    if (r === undefined)
      throw new AppError(ErrorCode.NOT_FOUND, `No evaluation with id ${id} in this project`, {
        evaluationId: id,
      });
    const cases = new Map<string, CaseScores[]>();
    for (const c of this.db.all<CaseRow>(
      'SELECT * FROM evaluation_cases WHERE evaluation_id = ? ORDER BY source, position',
      [id],
    )) {
      const row: CaseScores = {
        case: c.case_name,
        dice: orNaN(c.dice),
        iou: orNaN(c.iou),
        precision: orNaN(c.precision),
        recall: orNaN(c.recall),
        hd95_px: c.hd95_px,
        hd95_mm: c.hd95_mm,
        truth_pixels: c.truth_pixels,
        pred_pixels: c.pred_pixels,
      };
      if (c.image_id !== null) row.imageId = c.image_id;
      const list = cases.get(c.source);
      if (list) list.push(row);
      else cases.set(c.source, [row]);
    }
    const summaries = parseJson<
      { source: string; summary: EvaluationSummaryDto; volumes?: VolumeEvaluation }[]
    >(r.summary_json);
    return {
      ...header(r),
      sources: summaries.map((s) => ({ ...s, cases: cases.get(s.source) ?? [] })),
    };
  }
}

function header(r: EvaluationRow): Omit<SavedEvaluation, 'sources'> {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    settings: parseJson(r.settings_json),
    images: r.images,
    createdAt: r.created_at,
  };
}

interface TransferRunRow {
  id: number;
  name: string;
  out_dir: string;
  spec_json: string;
  summary_json: string;
  report_html: string;
  created_at: string;
}

export class TransferRuns {
  constructor(private readonly db: Db) {}

  /** Keeps a finished run: its spec, where it wrote, its summary (score table included) and report. */
  add(spec: TransferSpec, summary: TransferSummary): TransferRunRecord {
    const r = this.db.run(
      `INSERT INTO transfer_runs (name, out_dir, spec_json, summary_json, report_html, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [
        checkText(summary.name, 'transfer name', 200),
        checkText(summary.out, 'transfer output folder', 4096),
        toJson(spec, 'transfer spec'),
        toJson(summary, 'transfer summary'),
        checkText(summary.report.html, 'transfer report path', 4096),
        nowIso(),
      ],
    );
    return this.get(Number(r.lastInsertRowid));
  }

  get(id: number): TransferRunRecord {
    const r = this.db.get<TransferRunRow>('SELECT * FROM transfer_runs WHERE id = ?', [
      checkId(id, 'transfer run id'),
    ]);
    if (r === undefined)
      throw new AppError(ErrorCode.NOT_FOUND, `No transfer run with id ${id} in this project`, {
        transferRunId: id,
      });
    return toTransferRun(r);
  }

  /** Earlier runs, newest first. */
  list(): TransferRunRecord[] {
    return this.db.all<TransferRunRow>('SELECT * FROM transfer_runs ORDER BY id DESC').map(toTransferRun);
  }
}

function toTransferRun(r: TransferRunRow): TransferRunRecord {
  return {
    id: r.id,
    name: r.name,
    out: r.out_dir,
    createdAt: r.created_at,
    spec: parseJson(r.spec_json),
    summary: parseJson(r.summary_json),
    report: r.report_html,
  };
}
