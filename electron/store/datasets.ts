import { AppError, ErrorCode } from '../../shared/errors.js';
import { type Db, checkEnum, checkId, checkText, nowIso } from './sqlite.js';
import { detachEvaluationsFromDataset } from './results.js';

import { DATASET_ROLES } from '../../shared/dto.js';

// The roles are part of the AppApi contract; the store validates against the same list.
export { DATASET_ROLES };
export type DatasetRole = (typeof DATASET_ROLES)[number];

export interface Dataset {
  id: number;
  name: string;
  /** transferal: unlabeled images the teachers label; labeled: a few with ground truth for fine-tuning. */
  role: DatasetRole;
  description: string | null;
  sourcePath: string | null;
  createdAt: string;
  imageCount: number;
}

export interface NewDataset {
  name: string;
  role: DatasetRole;
  description?: string | null;
  sourcePath?: string | null;
}

const SELECT = `SELECT d.*, (SELECT count(*) FROM images i WHERE i.dataset_id = d.id) AS image_count FROM datasets d`;

export class Datasets {
  constructor(private readonly db: Db) {}

  add(input: NewDataset): Dataset {
    const name = checkText(input.name, 'dataset name', 200);
    const role = checkEnum(input.role, DATASET_ROLES, 'dataset role');
    if (this.byName(name) !== undefined)
      throw new AppError(ErrorCode.ALREADY_EXISTS, `A dataset named "${name}" already exists`, { name });
    const r = this.db.run(
      'INSERT INTO datasets (name, role, description, source_path, created_at) VALUES (?, ?, ?, ?, ?)',
      [name, role, input.description ?? null, input.sourcePath ?? null, nowIso()],
    );
    return this.get(Number(r.lastInsertRowid));
  }

  get(id: number): Dataset {
    const row = this.db.get<DatasetRow>(`${SELECT} WHERE d.id = ?`, [checkId(id, 'dataset id')]);
    if (row === undefined)
      throw new AppError(ErrorCode.NOT_FOUND, `No dataset with id ${id}`, { datasetId: id });
    return toDataset(row);
  }

  byName(name: string): Dataset | undefined {
    const row = this.db.get<DatasetRow>(`${SELECT} WHERE d.name = ?`, [name]);
    return row === undefined ? undefined : toDataset(row);
  }

  list(): Dataset[] {
    return this.db.all<DatasetRow>(`${SELECT} ORDER BY d.id`).map(toDataset);
  }

  update(id: number, patch: { name?: string; description?: string | null; role?: DatasetRole }): Dataset {
    const d = this.get(id);
    const name = patch.name === undefined ? d.name : checkText(patch.name, 'dataset name', 200);
    const clash = this.byName(name);
    if (clash !== undefined && clash.id !== id)
      throw new AppError(ErrorCode.ALREADY_EXISTS, `A dataset named "${name}" already exists`, { name });
    const role = patch.role === undefined ? d.role : checkEnum(patch.role, DATASET_ROLES, 'dataset role');
    const description = patch.description === undefined ? d.description : patch.description;
    this.db.run('UPDATE datasets SET name = ?, role = ?, description = ? WHERE id = ?', [
      name,
      role,
      description,
      id,
    ]);
    return this.get(id);
  }

  /**
   * Deletes a dataset with its images and every row that refers to them or to it (masks, edit history,
   * review state and log, tags, per-image metrics, and whatever later tables point at images or
   * datasets), in one transaction: all of it, or nothing. Foreign keys are checked at commit, so the
   * order of the deletes does not matter and a reference left anywhere rolls everything back.
   * The content blobs stay in the content store until ProjectStore.gc() removes the unreferenced ones.
   * Kept evaluations stay, detached from the dataset and its images (their ids will be taken again).
   */
  remove(id: number): { images: number } {
    const d = this.get(id);
    try {
      this.db.tx(() => {
        this.db.raw.pragma('defer_foreign_keys = ON');
        // Kept results name the dataset without a foreign key: unlinked here, not deleted.
        detachEvaluationsFromDataset(this.db, id);
        const images = 'SELECT id FROM images WHERE dataset_id = ?';
        for (const r of referencesTo(this.db, 'images'))
          this.db.run(`DELETE FROM "${r.table}" WHERE "${r.column}" IN (${images})`, [id]);
        for (const r of referencesTo(this.db, 'datasets'))
          if (r.table !== 'images') this.db.run(`DELETE FROM "${r.table}" WHERE "${r.column}" = ?`, [id]);
        this.db.run('DELETE FROM images WHERE dataset_id = ?', [id]);
        this.db.run('DELETE FROM datasets WHERE id = ?', [id]);
      });
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND)
        throw new AppError(
          ErrorCode.FAILED_PRECONDITION,
          `Dataset "${d.name}" cannot be deleted: other records still refer to its images; nothing was deleted`,
          { datasetId: id },
          { cause: err },
        );
      throw err;
    }
    return { images: d.imageCount };
  }
}

/** Every (table, column) with a foreign key to `target`, read from the schema itself. */
function referencesTo(db: Db, target: string): { table: string; column: string }[] {
  const tables = db
    .all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .map((t) => t.name);
  return tables.flatMap((table) =>
    db
      .all<{ table: string; from: string }>(`SELECT "table", "from" FROM pragma_foreign_key_list(?)`, [table])
      .filter((fk) => fk.table === target)
      .map((fk) => ({ table, column: fk.from })),
  );
}

interface DatasetRow {
  id: number;
  name: string;
  role: DatasetRole;
  description: string | null;
  source_path: string | null;
  created_at: string;
  image_count: number;
}

function toDataset(r: DatasetRow): Dataset {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    description: r.description,
    sourcePath: r.source_path,
    createdAt: r.created_at,
    imageCount: r.image_count,
  };
}
