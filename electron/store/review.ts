import { AppError, ErrorCode } from '../../shared/errors.js';
import type { Images } from './images.js';
import { type Db, checkEnum, checkId, nowIso } from './sqlite.js';

import { REVIEW_STATES } from '../../shared/dto.js';

// The states are part of the AppApi contract; the store validates against the same list.
export { REVIEW_STATES };
export type ReviewState = (typeof REVIEW_STATES)[number];

export interface Review {
  imageId: number;
  state: ReviewState;
  flagged: boolean;
  note: string;
  /** Last change of any field; null for an image never touched. */
  updatedAt: string | null;
  /** Last change of the state to something other than 'unreviewed'. */
  reviewedAt: string | null;
}

export interface ReviewPatch {
  state?: ReviewState;
  flagged?: boolean;
  note?: string;
}

const MAX_NOTE = 10_000;

/** Review decisions per image (no row = unreviewed), each change also appended to review_log for audit. */
export class Reviews {
  constructor(
    private readonly db: Db,
    private readonly images: Images,
  ) {}

  get(imageId: number): Review {
    checkId(imageId, 'image id');
    const row = this.db.get<ReviewRow>('SELECT * FROM review WHERE image_id = ?', [imageId]);
    return row === undefined
      ? { imageId, state: 'unreviewed', flagged: false, note: '', updatedAt: null, reviewedAt: null }
      : toReview(row);
  }

  set(imageId: number, patch: ReviewPatch): Review {
    this.images.get(imageId);
    if (patch.state !== undefined) checkEnum(patch.state, REVIEW_STATES, 'review state');
    if (patch.note !== undefined && (typeof patch.note !== 'string' || patch.note.length > MAX_NOTE))
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `A note is text of at most ${MAX_NOTE} characters`, {
        field: 'note',
      });
    this.db.tx(() => {
      const cur = this.get(imageId);
      const next = {
        state: patch.state ?? cur.state,
        flagged: patch.flagged ?? cur.flagged,
        note: patch.note ?? cur.note,
      };
      const now = nowIso();
      const reviewedAt = patch.state !== undefined && patch.state !== 'unreviewed' ? now : cur.reviewedAt;
      this.db.run(
        `INSERT INTO review (image_id, state, flagged, note, updated_at, reviewed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (image_id) DO UPDATE SET state = excluded.state, flagged = excluded.flagged, note = excluded.note,
           updated_at = excluded.updated_at, reviewed_at = excluded.reviewed_at`,
        [imageId, next.state, next.flagged ? 1 : 0, next.note, now, reviewedAt],
      );
      this.db.run(
        'INSERT INTO review_log (image_id, state, flagged, note, created_at) VALUES (?, ?, ?, ?, ?)',
        [imageId, next.state, next.flagged ? 1 : 0, next.note, now],
      );
    });
    return this.get(imageId);
  }

  /** Images in a state (including 'unreviewed', which has no rows) and/or flagged. */
  list(filter: { state?: ReviewState; flagged?: boolean; datasetId?: number } = {}): Review[] {
    const rows = this.db.all<ReviewRow & { id: number }>(
      `SELECT i.id, r.* FROM images i LEFT JOIN review r ON r.image_id = i.id
       WHERE (@state IS NULL OR ifnull(r.state, 'unreviewed') = @state)
         AND (@flagged IS NULL OR ifnull(r.flagged, 0) = @flagged)
         AND (@ds IS NULL OR i.dataset_id = @ds)
       ORDER BY i.id`,
      {
        state: filter.state ?? null,
        flagged: filter.flagged === undefined ? null : filter.flagged ? 1 : 0,
        ds: filter.datasetId ?? null,
      },
    );
    return rows.map((r) =>
      r.image_id === null
        ? { imageId: r.id, state: 'unreviewed', flagged: false, note: '', updatedAt: null, reviewedAt: null }
        : toReview(r),
    );
  }

  /** How many images are in each state. */
  counts(datasetId?: number): Record<ReviewState, number> {
    const out = Object.fromEntries(REVIEW_STATES.map((s) => [s, 0])) as Record<ReviewState, number>;
    const rows = this.db.all<{ state: ReviewState; n: number }>(
      `SELECT ifnull(r.state, 'unreviewed') AS state, count(*) AS n FROM images i LEFT JOIN review r ON r.image_id = i.id
       WHERE (@ds IS NULL OR i.dataset_id = @ds) GROUP BY 1`,
      { ds: datasetId ?? null },
    );
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  /** The audit trail of one image's review decisions, oldest first. */
  log(imageId: number): (Omit<Review, 'updatedAt' | 'reviewedAt'> & { at: string })[] {
    return this.db
      .all<{ state: ReviewState; flagged: number; note: string; created_at: string }>(
        'SELECT state, flagged, note, created_at FROM review_log WHERE image_id = ? ORDER BY id',
        [imageId],
      )
      .map((r) => ({ imageId, state: r.state, flagged: r.flagged === 1, note: r.note, at: r.created_at }));
  }
}

interface ReviewRow {
  image_id: number;
  state: ReviewState;
  flagged: number;
  note: string;
  updated_at: string;
  reviewed_at: string | null;
}

function toReview(r: ReviewRow): Review {
  return {
    imageId: r.image_id,
    state: r.state,
    flagged: r.flagged === 1,
    note: r.note,
    updatedAt: r.updated_at,
    reviewedAt: r.reviewed_at,
  };
}
