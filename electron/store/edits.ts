import { AppError, ErrorCode } from '../../shared/errors.js';
import type { ContentStore } from './content-store.js';
import type { Images } from './images.js';
import { decodeMask, encodeMask } from './mask-codec.js';
import { checkMaskPixels } from './masks.js';
import { type Db, checkEnum, checkId, checkText, nowIso, parseJson, toJson } from './sqlite.js';

/** The mask layers a person draws on: the corrected label, or a fix to given ground truth. */
export const EDIT_LAYERS = ['corrected', 'ground_truth'] as const;
export type EditLayer = (typeof EDIT_LAYERS)[number];

/** What the person did: one undo step (a whole stroke, a fill, "accept pseudo-label"...). */
export interface EditOp {
  /** Tool name, e.g. 'brush', 'eraser', 'fill-holes', 'init-from-pseudo-label'. */
  tool: string;
  /** Tool parameters for audit (radius, label, points, threshold...): JSON. */
  params?: Record<string, unknown>;
}

export interface EditRecord {
  id: number;
  imageId: number;
  layer: EditLayer;
  /** 'edit' rows are the states; 'undo'/'redo' rows record a move of the head from parentId to targetId. */
  op: 'edit' | 'undo' | 'redo';
  /** For 'edit': the state it was drawn on (null = the empty start). For undo/redo: the head before. */
  parentId: number | null;
  /** For undo/redo: the head after (null = the empty start). */
  targetId: number | null;
  tool: string | null;
  params: Record<string, unknown> | null;
  /** Mask blob of the resulting state (for undo/redo: of the state moved to; null = empty start). */
  maskHash: string | null;
  createdAt: string;
}

export interface EditState {
  headId: number | null;
  canUndo: boolean;
  canRedo: boolean;
  /** Number of 'edit' rows in the layer, all branches. */
  edits: number;
}

/**
 * The append-only history of human edits, per image and layer. Each edit stores the whole resulting
 * mask (deflated: a 512x512 label is a few KB) so undo/redo is a pointer move and any state can be
 * audited without replaying; identical states share one blob. Nothing is ever deleted: undo and redo
 * are rows too, and an edit after an undo starts a branch while the old branch stays for audit.
 *
 * Durability: `append` returns only after the mask blob is fsynced and the row is committed with
 * synchronous=FULL (the WAL is fsynced at each commit), so an acknowledged edit survives kill -9 and a
 * power cut. The blob is written before the row: a crash in between leaves an orphan blob, never a row
 * pointing at nothing.
 */
export class Edits {
  constructor(
    private readonly db: Db,
    private readonly content: ContentStore,
    private readonly images: Images,
  ) {}

  append(imageId: number, layer: EditLayer, mask: Uint8Array, op: EditOp): EditRecord {
    const img = this.images.get(imageId);
    checkEnum(layer, EDIT_LAYERS, 'edit layer');
    checkMaskPixels(mask, img.rows * img.cols);
    const tool = checkText(op?.tool, 'edit tool', 100);
    const params = toJson(op.params ?? {}, 'edit params');
    const hash = this.content.put(encodeMask(mask));
    const id = this.db.tx(() => {
      const head = this.headId(imageId, layer);
      const r = this.db.run(
        `INSERT INTO edits (image_id, layer, op, parent_id, target_id, tool, params_json, mask_hash, created_at)
         VALUES (?, ?, 'edit', ?, NULL, ?, ?, ?, ?)`,
        [imageId, layer, head, tool, params, hash, nowIso()],
      );
      const id = Number(r.lastInsertRowid);
      this.setHead(imageId, layer, id);
      return id;
    });
    return this.get(id);
  }

  /** Moves the head to the previous state; null when already at the start. */
  undo(imageId: number, layer: EditLayer): EditRecord | null {
    return this.move(imageId, layer, 'undo');
  }

  /** Moves the head to the newest state drawn from the current one; null when there is none. */
  redo(imageId: number, layer: EditLayer): EditRecord | null {
    return this.move(imageId, layer, 'redo');
  }

  /** The current mask, or null at the empty start (no edit yet, or everything undone). */
  current(imageId: number, layer: EditLayer): Uint8Array | null {
    const head = this.currentEdit(imageId, layer);
    return head === null ? null : this.maskOf(head);
  }

  /** The edit the head is on. */
  currentEdit(imageId: number, layer: EditLayer): EditRecord | null {
    const id = this.headId(checkId(imageId, 'image id'), checkEnum(layer, EDIT_LAYERS, 'edit layer'));
    return id === null ? null : this.get(id);
  }

  state(imageId: number, layer: EditLayer): EditState {
    checkEnum(layer, EDIT_LAYERS, 'edit layer');
    const headId = this.headId(imageId, layer);
    const n = this.db.get<{ n: number }>(
      `SELECT count(*) AS n FROM edits WHERE image_id = ? AND layer = ? AND op = 'edit'`,
      [imageId, layer],
    )!.n;
    return {
      headId,
      canUndo: headId !== null,
      canRedo: this.newestChild(imageId, layer, headId) !== null,
      edits: n,
    };
  }

  /** The whole log of a layer (edits, undos, redos, all branches) in the order it happened. */
  history(imageId: number, layer: EditLayer, opts: { afterId?: number; limit?: number } = {}): EditRecord[] {
    checkEnum(layer, EDIT_LAYERS, 'edit layer');
    return this.db
      .all<EditRow>('SELECT * FROM edits WHERE image_id = ? AND layer = ? AND id > ? ORDER BY id LIMIT ?', [
        imageId,
        layer,
        opts.afterId ?? 0,
        opts.limit ?? -1,
      ])
      .map(toEdit);
  }

  get(id: number): EditRecord {
    const row = this.db.get<EditRow>('SELECT * FROM edits WHERE id = ?', [checkId(id, 'edit id')]);
    if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND, `No edit with id ${id}`, { editId: id });
    return toEdit(row);
  }

  /** The mask of any state in the history (for audit or comparing branches). */
  maskOf(edit: EditRecord | number): Uint8Array {
    const e = typeof edit === 'number' ? this.get(edit) : edit;
    if (e.maskHash === null)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `Edit ${e.id} is the empty start: it has no mask`);
    const img = this.images.get(e.imageId);
    return decodeMask(this.content.get(e.maskHash), img.rows * img.cols, `Edit ${e.id}'s mask`);
  }

  /** Layers of an image that have any history. */
  layers(imageId: number): EditLayer[] {
    return this.db
      .all<{ layer: EditLayer }>('SELECT DISTINCT layer FROM edits WHERE image_id = ? ORDER BY layer', [
        imageId,
      ])
      .map((r) => r.layer);
  }

  private move(imageId: number, layer: EditLayer, op: 'undo' | 'redo'): EditRecord | null {
    checkId(imageId, 'image id');
    checkEnum(layer, EDIT_LAYERS, 'edit layer');
    const id = this.db.tx(() => {
      const head = this.headId(imageId, layer);
      let target: number | null;
      if (op === 'undo') {
        if (head === null) return null;
        target = this.db.get<{ parent_id: number | null }>('SELECT parent_id FROM edits WHERE id = ?', [
          head,
        ])!.parent_id;
      } else {
        target = this.newestChild(imageId, layer, head);
        if (target === null) return null;
      }
      const maskHash =
        target === null
          ? null
          : this.db.get<{ mask_hash: string }>('SELECT mask_hash FROM edits WHERE id = ?', [target])!
              .mask_hash;
      const r = this.db.run(
        `INSERT INTO edits (image_id, layer, op, parent_id, target_id, tool, params_json, mask_hash, created_at)
         VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?)`,
        [imageId, layer, op, head, target, maskHash, nowIso()],
      );
      this.setHead(imageId, layer, target);
      return Number(r.lastInsertRowid);
    });
    return id === null ? null : this.get(id);
  }

  private headId(imageId: number, layer: EditLayer): number | null {
    return (
      this.db.get<{ head_id: number | null }>(
        'SELECT head_id FROM edit_heads WHERE image_id = ? AND layer = ?',
        [imageId, layer],
      )?.head_id ?? null
    );
  }

  private setHead(imageId: number, layer: EditLayer, headId: number | null): void {
    this.db.run(
      `INSERT INTO edit_heads (image_id, layer, head_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (image_id, layer) DO UPDATE SET head_id = excluded.head_id, updated_at = excluded.updated_at`,
      [imageId, layer, headId, nowIso()],
    );
  }

  /** Redo goes to the newest branch drawn from `head` (the one most recently left by undo). */
  private newestChild(imageId: number, layer: EditLayer, head: number | null): number | null {
    const row =
      head === null
        ? this.db.get<{ id: number }>(
            `SELECT id FROM edits WHERE image_id = ? AND layer = ? AND op = 'edit' AND parent_id IS NULL ORDER BY id DESC LIMIT 1`,
            [imageId, layer],
          )
        : this.db.get<{ id: number }>(
            `SELECT id FROM edits WHERE parent_id = ? AND op = 'edit' ORDER BY id DESC LIMIT 1`,
            [head],
          );
    return row?.id ?? null;
  }
}

interface EditRow {
  id: number;
  image_id: number;
  layer: EditLayer;
  op: 'edit' | 'undo' | 'redo';
  parent_id: number | null;
  target_id: number | null;
  tool: string | null;
  params_json: string | null;
  mask_hash: string | null;
  created_at: string;
}

function toEdit(r: EditRow): EditRecord {
  return {
    id: r.id,
    imageId: r.image_id,
    layer: r.layer,
    op: r.op,
    parentId: r.parent_id,
    targetId: r.target_id,
    tool: r.tool,
    params: r.params_json === null ? null : parseJson(r.params_json),
    maskHash: r.mask_hash,
    createdAt: r.created_at,
  };
}
