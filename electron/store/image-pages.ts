/**
 * The image list as pages: filtered, searched and sorted in SQL so that a screen over a 50,000-image
 * project reads the 100 rows it shows and one count, never the whole table. Every query here runs on an
 * index (test/unit/store/query-plans.test.ts checks the plans).
 */
import type { Db } from './sqlite.js';
import { checkEnum, checkId } from './sqlite.js';
import { SPLITS, type Split } from './images.js';
import { REVIEW_STATES, type ReviewState } from './review.js';

export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

export interface ImagePageFilter {
  datasetId?: number;
  status?: ReviewState;
  /** 'none': images without a split. */
  split?: Split | 'none';
  /** False: only included images. */
  includeExcluded?: boolean;
  flagged?: boolean;
  /** True: only images with a pseudo-label; false: only those without. */
  pseudoLabelled?: boolean;
}

export interface ImagePageRequest {
  filter?: ImagePageFilter;
  /** Case-insensitive part of the file name or of a tag. */
  search?: string;
  /**
   * 'name': dataset, then import order. 'uncertainty': images with an uncertainty metric first, one
   * dataset after the other, by the latest `disagreement` then `entropy` metric (highest first).
   */
  sort?: 'name' | 'uncertainty';
  /** Metric names for 'uncertainty' (the teachers' layer names them; the store does not know them). */
  uncertainty?: { disagreement: string; entropy: string };
  offset?: number;
  limit?: number;
}

/** One listed image with what the grid shows about it, read in the same query. */
export interface ImagePageRow {
  id: number;
  datasetId: number;
  rows: number;
  cols: number;
  sourcePath: string;
  frameIndex: number | null;
  sliceIndex: number | null;
  included: boolean;
  split: Split | null;
  caseId: string | null;
  status: ReviewState;
  flagged: boolean;
  hasGroundTruth: boolean;
  hasPseudoLabel: boolean;
  hasCorrection: boolean;
  tags: string[];
}

/** The SQL of a page request: shared by page() and by the query-plan test. */
export function imagePageSql(req: ImagePageRequest): {
  page: { sql: string; params: unknown[] };
  count: { sql: string; params: unknown[] };
} {
  const f = req.filter ?? {};
  const conds: string[] = [];
  const params: unknown[] = [];
  if (f.datasetId !== undefined) {
    conds.push('i.dataset_id = ?');
    params.push(checkId(f.datasetId, 'dataset id'));
  }
  if (f.split !== undefined) {
    if (f.split === 'none') conds.push('i.split IS NULL');
    else {
      conds.push('i.split = ?');
      params.push(checkEnum(f.split, SPLITS, 'split'));
    }
  }
  if (f.includeExcluded === false) conds.push('i.included = 1');
  if (f.status !== undefined) {
    // A decision is found through the review table's index; 'unreviewed' is also the absence of a row.
    conds.push(f.status === 'unreviewed' ? "coalesce(r.state, 'unreviewed') = ?" : 'r.state = ?');
    params.push(checkEnum(f.status, REVIEW_STATES, 'review state'));
  }
  if (f.flagged !== undefined) conds.push(`coalesce(r.flagged, 0) = ${f.flagged ? 1 : 0}`);
  if (f.pseudoLabelled !== undefined)
    conds.push(
      `${f.pseudoLabelled ? '' : 'NOT '}EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'pseudo_label')`,
    );
  const search = req.search?.trim() ?? '';
  if (search !== '') {
    // Three characters or more: the trigram index finds them; fewer cannot be indexed, so they are
    // matched by LIKE over the search table (small, and such a short search matches much anyway).
    if ([...search].length >= 3) {
      conds.push('i.id IN (SELECT rowid FROM image_search WHERE image_search MATCH ?)');
      params.push(`"${search.replace(/"/g, '""')}"`);
    } else {
      conds.push(
        "i.id IN (SELECT rowid FROM image_search WHERE name LIKE ? ESCAPE '\\' OR tags LIKE ? ESCAPE '\\')",
      );
      const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      params.push(like, like);
    }
  }
  const whereSql = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  // The review join is needed by the count only when a review field is filtered on.
  const decided = f.status !== undefined && f.status !== 'unreviewed';
  const countJoin =
    f.status !== undefined || f.flagged !== undefined
      ? `${decided ? '' : 'LEFT '}JOIN review r ON r.image_id = i.id`
      : '';

  let order = 'ORDER BY i.dataset_id, i.id';
  let uncertain = '';
  const orderParams: unknown[] = [];
  if (req.sort === 'uncertainty') {
    const names = req.uncertainty ?? { disagreement: 'teachers.disagreement', entropy: 'teachers.entropy' };
    const latest = `(SELECT m.value FROM metrics m WHERE m.image_id = i.id AND m.name = ? ORDER BY m.id DESC LIMIT 1)`;
    uncertain = `, ${latest} AS dis, ${latest} AS ent`;
    orderParams.push(names.disagreement, names.entropy);
    order =
      'ORDER BY dis IS NULL, CASE WHEN dis IS NOT NULL THEN i.dataset_id END, dis DESC, coalesce(ent, 0) DESC, i.id';
  }
  const limit = Math.min(Math.max(Math.trunc(req.limit ?? DEFAULT_PAGE), 1), MAX_PAGE);
  const offset = Math.max(Math.trunc(req.offset ?? 0), 0);
  const sql = `SELECT i.id, i.dataset_id, i.rows, i.cols, i.source_path, i.frame_index, i.slice_index,
      i.included, i.split, i.case_id, coalesce(r.state, 'unreviewed') AS state, coalesce(r.flagged, 0) AS flagged,
      EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'ground_truth') AS has_gt,
      EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'pseudo_label') AS has_pl,
      EXISTS (SELECT 1 FROM edit_heads h WHERE h.image_id = i.id AND h.layer = 'corrected' AND h.head_id IS NOT NULL) AS has_corr,
      (SELECT group_concat(tag, char(31)) FROM (SELECT t.tag FROM image_tags t WHERE t.image_id = i.id ORDER BY t.tag)) AS tags
      ${uncertain}
    FROM images i LEFT JOIN review r ON r.image_id = i.id
    ${whereSql} ${order} LIMIT ? OFFSET ?`;
  return {
    page: { sql, params: [...orderParams, ...params, limit, offset] },
    count: { sql: `SELECT count(*) AS n FROM images i ${countJoin} ${whereSql}`, params },
  };
}

export class ImagePages {
  constructor(private readonly db: Db) {}

  /** One page and the number of images matching in all, read in one transaction (a consistent pair). */
  page(req: ImagePageRequest): { rows: ImagePageRow[]; total: number; offset: number } {
    const q = imagePageSql(req);
    return this.db.tx(() => {
      const total = this.db.get<{ n: number }>(q.count.sql, q.count.params)!.n;
      const rows = this.db.all<PageRow>(q.page.sql, q.page.params).map(toRow);
      return { rows, total, offset: Math.max(Math.trunc(req.offset ?? 0), 0) };
    });
  }
}

interface PageRow {
  id: number;
  dataset_id: number;
  rows: number;
  cols: number;
  source_path: string;
  frame_index: number | null;
  slice_index: number | null;
  included: number;
  split: Split | null;
  case_id: string | null;
  state: ReviewState;
  flagged: number;
  has_gt: number;
  has_pl: number;
  has_corr: number;
  tags: string | null;
}

function toRow(r: PageRow): ImagePageRow {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    rows: r.rows,
    cols: r.cols,
    sourcePath: r.source_path,
    frameIndex: r.frame_index,
    sliceIndex: r.slice_index,
    included: r.included === 1,
    split: r.split,
    caseId: r.case_id,
    status: r.state,
    flagged: r.flagged === 1,
    hasGroundTruth: r.has_gt === 1,
    hasPseudoLabel: r.has_pl === 1,
    hasCorrection: r.has_corr === 1,
    tags: r.tags === null ? [] : r.tags.split('\u001f'),
  };
}
