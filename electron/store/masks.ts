import { AppError, ErrorCode } from '../../shared/errors.js';
import type { ContentStore } from './content-store.js';
import type { Images } from './images.js';
import { decodeMask, encodeMask } from './mask-codec.js';
import { type Db, checkEnum, checkId, nowIso, parseJson, toJson } from './sqlite.js';

/**
 * Machine-made or imported masks. ground_truth: given with the data; probability: one teacher's
 * foreground probability quantized to 0..255; pseudo_label: the fused label. The human-corrected label
 * is not here: it is the head of the edit history (`store.edits`), which keeps every step.
 */
export const MASK_KINDS = ['ground_truth', 'probability', 'pseudo_label'] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

export interface NewMask {
  kind: MaskKind;
  /** rows x cols Uint8, row-major: label values, or quantized probabilities for kind 'probability'. */
  pixels: Uint8Array;
  /** Required for 'probability'; for a pseudo-label from a single teacher, optional. */
  teacherId?: number | null;
  jobId?: number | null;
  /** Provenance: fusion method and weights, threshold, teacher versions, import file... */
  params?: Record<string, unknown>;
}

export interface MaskRecord {
  id: number;
  imageId: number;
  kind: MaskKind;
  blobHash: string;
  teacherId: number | null;
  jobId: number | null;
  params: Record<string, unknown>;
  createdAt: string;
}

export class Masks {
  constructor(
    private readonly db: Db,
    private readonly content: ContentStore,
    private readonly images: Images,
  ) {}

  put(imageId: number, m: NewMask): MaskRecord {
    const img = this.images.get(imageId);
    checkEnum(m.kind, MASK_KINDS, 'mask kind');
    checkMaskPixels(m.pixels, img.rows * img.cols);
    if (m.kind === 'probability' && m.teacherId == null)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, 'A probability map needs its teacher', {
        field: 'teacherId',
      });
    if (m.teacherId != null) checkId(m.teacherId, 'teacherId');
    const params = toJson(m.params ?? {}, 'mask params');
    // Blob first (durable), then the row: a crash in between leaves only an orphan blob.
    const hash = this.content.put(encodeMask(m.pixels));
    const r = this.db.run(
      'INSERT INTO masks (image_id, kind, blob_hash, teacher_id, job_id, params_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [imageId, m.kind, hash, m.teacherId ?? null, m.jobId ?? null, params, nowIso()],
    );
    return this.get(Number(r.lastInsertRowid));
  }

  get(id: number): MaskRecord {
    const row = this.db.get<MaskRow>('SELECT * FROM masks WHERE id = ?', [checkId(id, 'mask id')]);
    if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND, `No mask with id ${id}`, { maskId: id });
    return toMask(row);
  }

  /** The newest mask of a kind (for 'probability', of one teacher). */
  latest(imageId: number, kind: MaskKind, teacherId?: number): MaskRecord | undefined {
    const row =
      teacherId === undefined
        ? this.db.get<MaskRow>(
            'SELECT * FROM masks WHERE image_id = ? AND kind = ? ORDER BY id DESC LIMIT 1',
            [imageId, kind],
          )
        : this.db.get<MaskRow>(
            'SELECT * FROM masks WHERE image_id = ? AND kind = ? AND teacher_id = ? ORDER BY id DESC LIMIT 1',
            [imageId, kind, teacherId],
          );
    return row === undefined ? undefined : toMask(row);
  }

  /** Every teacher's newest probability map for an image (fusion and disagreement need all of them). */
  probabilityMaps(imageId: number): MaskRecord[] {
    return this.db
      .all<MaskRow>(
        `SELECT * FROM masks WHERE id IN (SELECT max(id) FROM masks WHERE image_id = ? AND kind = 'probability' GROUP BY teacher_id)
         ORDER BY teacher_id`,
        [imageId],
      )
      .map(toMask);
  }

  list(imageId: number, kind?: MaskKind): MaskRecord[] {
    const rows =
      kind === undefined
        ? this.db.all<MaskRow>('SELECT * FROM masks WHERE image_id = ? ORDER BY id', [imageId])
        : this.db.all<MaskRow>('SELECT * FROM masks WHERE image_id = ? AND kind = ? ORDER BY id', [
            imageId,
            kind,
          ]);
    return rows.map(toMask);
  }

  /** The mask's pixels, decoded and checked against the image's shape. */
  read(mask: MaskRecord | number): Uint8Array {
    const m = typeof mask === 'number' ? this.get(mask) : mask;
    const img = this.images.get(m.imageId);
    return decodeMask(this.content.get(m.blobHash), img.rows * img.cols, `Mask ${m.id}`);
  }
}

export function checkMaskPixels(pixels: unknown, expected: number): asserts pixels is Uint8Array {
  if (!(pixels instanceof Uint8Array))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'Mask pixels must be a Uint8Array', { field: 'pixels' });
  if (pixels.length !== expected)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Mask has ${pixels.length} pixels, the image has ${expected}`,
      {
        field: 'pixels',
      },
    );
}

interface MaskRow {
  id: number;
  image_id: number;
  kind: MaskKind;
  blob_hash: string;
  teacher_id: number | null;
  job_id: number | null;
  params_json: string;
  created_at: string;
}

function toMask(r: MaskRow): MaskRecord {
  return {
    id: r.id,
    imageId: r.image_id,
    kind: r.kind,
    blobHash: r.blob_hash,
    teacherId: r.teacher_id,
    jobId: r.job_id,
    params: parseJson(r.params_json),
    createdAt: r.created_at,
  };
}
