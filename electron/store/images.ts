import { AppError, ErrorCode } from '../../shared/errors.js';
import type { SliceGeometry } from '../io/volume.js';
import type { ContentStore } from './content-store.js';
import { isContentHash } from './content-store.js';
import { type Db, checkEnum, checkId, checkText, nowIso, where } from './sqlite.js';

export const DTYPES = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'] as const;
export type PixelDtype = (typeof DTYPES)[number];
export const SOURCE_KINDS = ['png', 'jpeg', 'dicom', 'nifti', 'raw', 'other'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** Bytes of one pixel value of each dtype: a slice's pixel data is rows x cols x channels of them. */
export const BYTES_PER: Record<PixelDtype, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};
const MAX_SIDE = 65_536;

/** Where a slice came from: enough to find it again and to keep one case's slices in one split. */
export interface ImageSource {
  kind: SourceKind;
  path: string;
  /** Frame of a multi-frame DICOM or an animated/multi-page raster. */
  frameIndex?: number | null;
  /** Slice of a volume (NIfTI k index, or the slice position within a DICOM series). */
  sliceIndex?: number | null;
  studyUid?: string | null;
  seriesUid?: string | null;
  sopUid?: string | null;
  /** Case / patient grouping for split-aware curation (no slice of a case in two splits). */
  caseId?: string | null;
  patientId?: string | null;
}

export interface NewImage {
  datasetId: number;
  rows: number;
  cols: number;
  channels: number;
  dtype: PixelDtype;
  /** Pixel spacing in mm [row, col], null when the format does not say (PNG). */
  spacing?: [number, number] | null;
  /** Hash of the pixel blob (already in the content store): raw little-endian rows x cols x channels. */
  pixelHash: string;
  source: ImageSource;
  split?: Split | null;
  included?: boolean;
  tags?: string[];
  /** What could not be decoded exactly in the source (shown with the image); none when omitted. */
  warnings?: string[];
  /** The slice's place in its DICOM series or NIfTI volume; null/omitted for a plain 2-D image. */
  geometry?: SliceGeometry | null;
}

export interface ImageRecord {
  id: number;
  datasetId: number;
  rows: number;
  cols: number;
  channels: number;
  dtype: PixelDtype;
  spacing: [number, number] | null;
  pixelHash: string;
  source: Required<ImageSource>;
  included: boolean;
  split: Split | null;
  tags: string[];
  /** Decode warnings of the source file, e.g. a palette image shown as grey indices; [] when exact. */
  warnings: string[];
  /** The slice's place in its volume (io/volume.ts); null for 2-D images and slices imported before it was kept. */
  geometry: SliceGeometry | null;
  createdAt: string;
}

export interface ImageFilter {
  datasetId?: number;
  split?: Split | null;
  included?: boolean;
  caseId?: string;
  tag?: string;
  limit?: number;
  offset?: number;
}

export class Images {
  constructor(
    private readonly db: Db,
    private readonly content: ContentStore,
  ) {}

  /** Stores raw pixels as a content blob and records the image, checking the byte count against the shape. */
  addWithPixels(input: Omit<NewImage, 'pixelHash'>, pixels: Uint8Array): ImageRecord {
    const expected = input.rows * input.cols * input.channels * (BYTES_PER[input.dtype] ?? 0);
    if (!(pixels instanceof Uint8Array) || pixels.length !== expected)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `Pixel data has ${pixels?.length} bytes, expected ${expected}`,
        {
          field: 'pixels',
        },
      );
    return this.add({ ...input, pixelHash: this.content.put(pixels) });
  }

  add(input: NewImage): ImageRecord {
    return this.addMany([input])[0]!;
  }

  /** Adds many images in one transaction (an import is all or nothing). */
  addMany(inputs: readonly NewImage[]): ImageRecord[] {
    const checked = inputs.map(checkNewImage);
    for (const i of checked)
      if (!this.content.has(i.pixelHash))
        throw new AppError(
          ErrorCode.NOT_FOUND,
          `Pixel blob ${i.pixelHash} is not in the project's content store`,
          {
            field: 'pixelHash',
          },
        );
    const ids = this.db.tx(() =>
      checked.map((i) => {
        const s = i.source;
        const r = this.db.run(
          `INSERT INTO images (dataset_id, rows, cols, channels, dtype, spacing_row, spacing_col, pixel_hash, source_kind,
             source_path, frame_index, slice_index, study_uid, series_uid, sop_uid, case_id, patient_id, included, split, decode_warnings,
             geometry_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            i.datasetId,
            i.rows,
            i.cols,
            i.channels,
            i.dtype,
            i.spacing?.[0] ?? null,
            i.spacing?.[1] ?? null,
            i.pixelHash,
            s.kind,
            s.path,
            s.frameIndex ?? null,
            s.sliceIndex ?? null,
            s.studyUid ?? null,
            s.seriesUid ?? null,
            s.sopUid ?? null,
            s.caseId ?? null,
            s.patientId ?? null,
            i.included === false ? 0 : 1,
            i.split ?? null,
            i.warnings?.length ? JSON.stringify(i.warnings) : null,
            i.geometry ? JSON.stringify(i.geometry) : null,
            nowIso(),
          ],
        );
        const id = Number(r.lastInsertRowid);
        for (const t of i.tags ?? [])
          this.db.run('INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?, ?)', [id, t]);
        return id;
      }),
    );
    return ids.map((id) => this.get(id));
  }

  get(id: number): ImageRecord {
    const row = this.db.get<ImageRow>('SELECT * FROM images WHERE id = ?', [checkId(id, 'image id')]);
    if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND, `No image with id ${id}`, { imageId: id });
    return this.toRecord(row);
  }

  /** The image imported from this source (for idempotent re-import), if any. */
  findBySource(
    datasetId: number,
    path: string,
    frameIndex?: number | null,
    sliceIndex?: number | null,
  ): ImageRecord | undefined {
    const row = this.db.get<ImageRow>(
      `SELECT * FROM images WHERE dataset_id = ? AND source_path = ? AND ifnull(frame_index, -1) = ? AND ifnull(slice_index, -1) = ?`,
      [datasetId, path, frameIndex ?? -1, sliceIndex ?? -1],
    );
    return row === undefined ? undefined : this.toRecord(row);
  }

  list(filter: ImageFilter = {}): ImageRecord[] {
    const w = this.filter(filter);
    const limit = filter.limit ?? -1;
    const offset = filter.offset ?? 0;
    return this.db
      .all<ImageRow>(`SELECT * FROM images ${w.sql} ORDER BY id LIMIT ? OFFSET ?`, [
        ...w.params,
        limit,
        offset,
      ])
      .map((r) => this.toRecord(r));
  }

  count(filter: ImageFilter = {}): number {
    const w = this.filter(filter);
    return this.db.get<{ n: number }>(`SELECT count(*) AS n FROM images ${w.sql}`, w.params)!.n;
  }

  /** Distinct cases of a dataset with their slice counts, for split assignment by case. */
  cases(datasetId: number): { caseId: string | null; images: number }[] {
    return this.db
      .all<{ case_id: string | null; n: number }>(
        'SELECT case_id, count(*) AS n FROM images WHERE dataset_id = ? GROUP BY case_id ORDER BY case_id',
        [datasetId],
      )
      .map((r) => ({ caseId: r.case_id, images: r.n }));
  }

  setSplit(ids: readonly number[], split: Split | null): void {
    if (split !== null) checkEnum(split, SPLITS, 'split');
    this.updateMany(ids, 'UPDATE images SET split = ? WHERE id = ?', split);
  }

  setIncluded(ids: readonly number[], included: boolean): void {
    this.updateMany(ids, 'UPDATE images SET included = ? WHERE id = ?', included ? 1 : 0);
  }

  addTags(ids: readonly number[], tags: readonly string[]): void {
    tags.forEach((t) => checkText(t, 'tag', 100));
    this.db.tx(() => {
      for (const id of ids) {
        this.get(id);
        for (const t of tags)
          this.db.run('INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?, ?)', [id, t]);
      }
    });
  }

  removeTags(ids: readonly number[], tags: readonly string[]): void {
    this.db.tx(() => {
      for (const id of ids)
        for (const t of tags) this.db.run('DELETE FROM image_tags WHERE image_id = ? AND tag = ?', [id, t]);
    });
  }

  /** Reads an image's raw pixel bytes (verified against their hash). */
  pixels(id: number): Uint8Array {
    return this.content.get(this.get(id).pixelHash);
  }

  /** A slice's samples as the typed array of its dtype (float64 is narrowed to float32, as imports produce). */
  typedPixels(id: number): TypedPixels {
    return typedPixels(this.pixels(id), this.get(id).dtype);
  }

  private updateMany(ids: readonly number[], sql: string, value: unknown): void {
    this.db.tx(() => {
      for (const id of ids) {
        const r = this.db.run(sql, [value, checkId(id, 'image id')]);
        if (r.changes === 0)
          throw new AppError(ErrorCode.NOT_FOUND, `No image with id ${id}`, { imageId: id });
      }
    });
  }

  private filter(f: ImageFilter): { sql: string; params: unknown[] } {
    return where([
      ['dataset_id = ?', f.datasetId],
      [f.split === null ? 'split IS NULL AND ? IS NULL' : 'split = ?', f.split],
      ['included = ?', f.included],
      ['case_id = ?', f.caseId],
      ['id IN (SELECT image_id FROM image_tags WHERE tag = ?)', f.tag],
    ]);
  }

  private toRecord(r: ImageRow): ImageRecord {
    const tags = this.db
      .all<{ tag: string }>('SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag', [r.id])
      .map((t) => t.tag);
    return {
      id: r.id,
      datasetId: r.dataset_id,
      rows: r.rows,
      cols: r.cols,
      channels: r.channels,
      dtype: r.dtype,
      spacing: r.spacing_row === null || r.spacing_col === null ? null : [r.spacing_row, r.spacing_col],
      pixelHash: r.pixel_hash,
      source: {
        kind: r.source_kind,
        path: r.source_path,
        frameIndex: r.frame_index,
        sliceIndex: r.slice_index,
        studyUid: r.study_uid,
        seriesUid: r.series_uid,
        sopUid: r.sop_uid,
        caseId: r.case_id,
        patientId: r.patient_id,
      },
      included: r.included === 1,
      split: r.split,
      tags,
      warnings: r.decode_warnings === null ? [] : (JSON.parse(r.decode_warnings) as string[]),
      geometry: r.geometry_json ? (JSON.parse(r.geometry_json) as SliceGeometry) : null,
      createdAt: r.created_at,
    };
  }
}

function checkNewImage(i: NewImage): NewImage {
  checkId(i.datasetId, 'datasetId');
  for (const [k, v] of [
    ['rows', i.rows],
    ['cols', i.cols],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > MAX_SIDE)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `${k} must be an integer in 1..${MAX_SIDE}`, {
        field: k,
      });
  if (!Number.isInteger(i.channels) || i.channels < 1 || i.channels > 4)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'channels must be 1..4', { field: 'channels' });
  checkEnum(i.dtype, DTYPES, 'dtype');
  if (i.spacing != null && !i.spacing.every((s) => Number.isFinite(s) && s > 0))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'spacing must be two positive numbers (mm)', {
      field: 'spacing',
    });
  if (!isContentHash(i.pixelHash))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, 'pixelHash must be a SHA-256 hex digest', {
      field: 'pixelHash',
    });
  checkEnum(i.source?.kind, SOURCE_KINDS, 'source.kind');
  if (i.geometry != null) checkGeometry(i.geometry);
  checkText(i.source.path, 'source.path', 4096);
  if (i.split != null) checkEnum(i.split, SPLITS, 'split');
  if (i.warnings !== undefined) {
    if (!Array.isArray(i.warnings))
      throw new AppError(ErrorCode.INVALID_ARGUMENT, 'warnings must be a list of texts', {
        field: 'warnings',
      });
    i.warnings.forEach((w) => checkText(w, 'warning', 4096));
  }
  return i;
}

const finiteList = (v: unknown, n: number): boolean =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function checkGeometry(g: SliceGeometry): void {
  const bad = (what: string) =>
    new AppError(ErrorCode.INVALID_ARGUMENT, `geometry.${what} is not valid`, { field: `geometry.${what}` });
  if (typeof g.volume !== 'string' || g.volume === '') throw bad('volume');
  if (g.position !== null && !finiteList(g.position, 3)) throw bad('position');
  if (g.orientation !== null && !finiteList(g.orientation, 6)) throw bad('orientation');
  if (g.pixelSpacing !== null && !(finiteList(g.pixelSpacing, 2) && g.pixelSpacing.every((x) => x > 0)))
    throw bad('pixelSpacing');
  if (g.sliceThickness !== null && !(Number.isFinite(g.sliceThickness) && g.sliceThickness >= 0))
    throw bad('sliceThickness');
}

interface ImageRow {
  id: number;
  dataset_id: number;
  rows: number;
  cols: number;
  channels: number;
  dtype: PixelDtype;
  spacing_row: number | null;
  spacing_col: number | null;
  pixel_hash: string;
  source_kind: SourceKind;
  source_path: string;
  frame_index: number | null;
  slice_index: number | null;
  study_uid: string | null;
  series_uid: string | null;
  sop_uid: string | null;
  case_id: string | null;
  patient_id: string | null;
  included: number;
  split: Split | null;
  decode_warnings: string | null;
  geometry_json?: string | null;
  created_at: string;
}

export type TypedPixels =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array;

/** Stored little-endian pixel bytes as the typed array of their dtype, in a buffer of their own (aligned). */
export function typedPixels(bytes: Uint8Array, dtype: PixelDtype): TypedPixels {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'uint16':
      return new Uint16Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'uint32':
      return new Uint32Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return Float32Array.from(new Float64Array(buf));
  }
}
