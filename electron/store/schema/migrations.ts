import type Database from 'better-sqlite3';

/**
 * The project schema as an ordered list of migrations. Migration N takes a database at version N-1 to N;
 * the version lives in `PRAGMA user_version`, updated in the same transaction as the migration, so a
 * crash mid-migration leaves the old version (and the backup taken before it) intact.
 * Never edit a released migration: append a new one.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: string;
}

/** SQL for the file name of a path column: what follows its last '/' (a '\\' counts as one). */
function basenameSql(column: string): string {
  const p = `replace(${column}, '\\', '/')`;
  return `substr(${p}, length(rtrim(${p}, replace(${p}, '/', ''))) + 1)`;
}

/** 'APPR': marks the file as an Apprentice project in the SQLite header (offset 68). */
export const APPLICATION_ID = 0x41505052;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'project, datasets, images, teachers, masks, edit history',
    up: `
      CREATE TABLE project_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE datasets (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        role        TEXT NOT NULL CHECK (role IN ('transferal', 'labeled', 'test', 'other')),
        description TEXT,
        source_path TEXT,
        created_at  TEXT NOT NULL
      ) STRICT;

      -- One 2-D slice or frame. Pixels live in a content blob; the source says where it came from.
      CREATE TABLE images (
        id           INTEGER PRIMARY KEY,
        dataset_id   INTEGER NOT NULL REFERENCES datasets(id),
        rows         INTEGER NOT NULL CHECK (rows > 0),
        cols         INTEGER NOT NULL CHECK (cols > 0),
        channels     INTEGER NOT NULL CHECK (channels BETWEEN 1 AND 4),
        dtype        TEXT NOT NULL CHECK (dtype IN ('uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64')),
        spacing_row  REAL CHECK (spacing_row > 0),
        spacing_col  REAL CHECK (spacing_col > 0),
        pixel_hash   TEXT NOT NULL,
        source_kind  TEXT NOT NULL CHECK (source_kind IN ('png', 'jpeg', 'dicom', 'nifti', 'raw', 'other')),
        source_path  TEXT NOT NULL,
        frame_index  INTEGER,
        slice_index  INTEGER,
        study_uid    TEXT,
        series_uid   TEXT,
        sop_uid      TEXT,
        case_id      TEXT,
        patient_id   TEXT,
        included     INTEGER NOT NULL DEFAULT 1 CHECK (included IN (0, 1)),
        split        TEXT CHECK (split IN ('train', 'val', 'test')),
        created_at   TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX images_source ON images (dataset_id, source_path, ifnull(frame_index, -1), ifnull(slice_index, -1));
      CREATE INDEX images_case ON images (dataset_id, case_id);

      CREATE TABLE image_tags (
        image_id INTEGER NOT NULL REFERENCES images(id),
        tag      TEXT NOT NULL,
        PRIMARY KEY (image_id, tag)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX image_tags_tag ON image_tags (tag);

      CREATE TABLE teachers (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL CHECK (kind IN ('onnx', 'tfjs', 'masks', 'other')),
        card_json  TEXT NOT NULL,
        model_hash TEXT,
        model_path TEXT,
        created_at TEXT NOT NULL
      ) STRICT;

      -- Machine-made or imported masks: immutable records, the newest of a kind is current.
      CREATE TABLE masks (
        id          INTEGER PRIMARY KEY,
        image_id    INTEGER NOT NULL REFERENCES images(id),
        kind        TEXT NOT NULL CHECK (kind IN ('ground_truth', 'probability', 'pseudo_label')),
        blob_hash   TEXT NOT NULL,
        teacher_id  INTEGER REFERENCES teachers(id),
        job_id      INTEGER,
        params_json TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        CHECK (kind <> 'probability' OR teacher_id IS NOT NULL)
      ) STRICT;
      CREATE INDEX masks_image ON masks (image_id, kind, teacher_id, id);

      -- Append-only log of everything a person did to a mask layer. 'edit' rows form a tree through
      -- parent_id (a new edit after an undo starts a branch); 'undo'/'redo' rows record head moves
      -- from parent_id to target_id. Nothing is ever updated or deleted.
      CREATE TABLE edits (
        id          INTEGER PRIMARY KEY,
        image_id    INTEGER NOT NULL REFERENCES images(id),
        layer       TEXT NOT NULL CHECK (layer IN ('corrected', 'ground_truth')),
        op          TEXT NOT NULL CHECK (op IN ('edit', 'undo', 'redo')),
        parent_id   INTEGER REFERENCES edits(id),
        target_id   INTEGER REFERENCES edits(id),
        tool        TEXT,
        params_json TEXT,
        mask_hash   TEXT,
        created_at  TEXT NOT NULL,
        CHECK (op <> 'edit' OR (mask_hash IS NOT NULL AND tool IS NOT NULL))
      ) STRICT;
      CREATE INDEX edits_layer ON edits (image_id, layer, id);
      CREATE INDEX edits_children ON edits (parent_id, op);

      -- Where undo/redo stand per layer; NULL head = before the first edit.
      CREATE TABLE edit_heads (
        image_id   INTEGER NOT NULL REFERENCES images(id),
        layer      TEXT NOT NULL,
        head_id    INTEGER REFERENCES edits(id),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (image_id, layer)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'review state, jobs, metrics, students, checkpoints, exports',
    up: `
      CREATE TABLE review (
        image_id   INTEGER PRIMARY KEY REFERENCES images(id),
        state      TEXT NOT NULL CHECK (state IN ('unreviewed', 'accepted', 'corrected', 'rejected', 'excluded')),
        flagged    INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
        note       TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        reviewed_at TEXT
      ) STRICT;
      CREATE INDEX review_state ON review (state);
      -- Audit trail of review decisions.
      CREATE TABLE review_log (
        id         INTEGER PRIMARY KEY,
        image_id   INTEGER NOT NULL REFERENCES images(id),
        state      TEXT NOT NULL,
        flagged    INTEGER NOT NULL,
        note       TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX review_log_image ON review_log (image_id, id);

      CREATE TABLE jobs (
        id             INTEGER PRIMARY KEY,
        kind           TEXT NOT NULL,
        params_json    TEXT NOT NULL,
        state          TEXT NOT NULL CHECK (state IN ('queued', 'running', 'interrupted', 'succeeded', 'failed', 'cancelled')),
        phase          TEXT,
        progress_done  INTEGER NOT NULL DEFAULT 0,
        progress_total INTEGER,
        error_json     TEXT,
        cursor_json    TEXT,
        created_at     TEXT NOT NULL,
        started_at     TEXT,
        finished_at    TEXT
      ) STRICT;
      CREATE INDEX jobs_state ON jobs (state);

      CREATE TABLE students (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL UNIQUE,
        card_json    TEXT NOT NULL,
        created_at   TEXT NOT NULL
      ) STRICT;

      CREATE TABLE checkpoints (
        id           INTEGER PRIMARY KEY,
        student_id   INTEGER NOT NULL REFERENCES students(id),
        job_id       INTEGER REFERENCES jobs(id),
        epoch        INTEGER,
        step         INTEGER,
        hash         TEXT,
        path         TEXT,
        meta_json    TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        CHECK (hash IS NOT NULL OR path IS NOT NULL)
      ) STRICT;
      CREATE INDEX checkpoints_student ON checkpoints (student_id, id);

      CREATE TABLE metrics (
        id          INTEGER PRIMARY KEY,
        job_id      INTEGER REFERENCES jobs(id),
        teacher_id  INTEGER REFERENCES teachers(id),
        student_id  INTEGER REFERENCES students(id),
        image_id    INTEGER REFERENCES images(id),
        name        TEXT NOT NULL,
        value       REAL,
        step        INTEGER,
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX metrics_job ON metrics (job_id, name);
      CREATE INDEX metrics_image ON metrics (image_id, name);

      CREATE TABLE exports (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('student_model', 'masks', 'dataset', 'report', 'other')),
        student_id  INTEGER REFERENCES students(id),
        job_id      INTEGER REFERENCES jobs(id),
        path        TEXT NOT NULL,
        hash        TEXT,
        meta_json   TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'evaluations and transfer runs kept as results',
    // No foreign keys to datasets or images: a result keeps its names and numbers after they are deleted.
    // Deleting a dataset sets dataset_id and its cases' image_id to NULL (Datasets.remove), because
    // those ids are taken again by the next import and would otherwise point at other data.
    up: `
      CREATE TABLE evaluations (
        id            INTEGER PRIMARY KEY,
        dataset_id    INTEGER,
        dataset_name  TEXT NOT NULL,
        settings_json TEXT NOT NULL,
        images        INTEGER NOT NULL CHECK (images >= 0),
        -- [{source, summary}] in the order the evaluation listed its sources.
        summary_json  TEXT NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX evaluations_dataset ON evaluations (dataset_id, id);

      CREATE TABLE evaluation_cases (
        evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        source        TEXT NOT NULL,
        position      INTEGER NOT NULL,
        image_id      INTEGER,
        case_name     TEXT NOT NULL,
        dice          REAL,
        iou           REAL,
        precision     REAL,
        recall        REAL,
        hd95_px       REAL,
        hd95_mm       REAL,
        truth_pixels  INTEGER NOT NULL,
        pred_pixels   INTEGER NOT NULL,
        PRIMARY KEY (evaluation_id, source, position)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE transfer_runs (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL,
        out_dir      TEXT NOT NULL,
        spec_json    TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        report_html  TEXT NOT NULL,
        created_at   TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    description: 'decode warnings kept with the images they concern',
    // A JSON array of strings, NULL when the file was decoded exactly: an image shown with a warning at
    // import (e.g. a palette image as grey indices) keeps it, so Review can show it next to the image.
    up: `
      ALTER TABLE images ADD COLUMN decode_warnings TEXT;
    `,
  },
  {
    version: 5,
    description:
      'paged image lists: an index in list order, a substring search over names and tags, metrics by name',
    // Screens page through 50,000 images in (dataset, import) order and search file names and tags by any
    // part: images_list serves the order, image_search (FTS5 trigram, rowid = image id) the search; the
    // triggers keep it in step. The name is the file name (the part after the last / or \). The review
    // queue reads one metric of every image (teachers.disagreement): metrics_name.
    up: `
      CREATE INDEX images_list ON images (dataset_id, id);
      CREATE INDEX metrics_name ON metrics (name, image_id);
      CREATE VIRTUAL TABLE image_search USING fts5(name, tags, tokenize = 'trigram');
      INSERT INTO image_search (rowid, name, tags)
        SELECT id, ${basenameSql('source_path')},
          coalesce((SELECT group_concat(tag, ' ') FROM image_tags WHERE image_id = images.id), '')
        FROM images;
      CREATE TRIGGER images_search_add AFTER INSERT ON images BEGIN
        INSERT INTO image_search (rowid, name, tags) VALUES (new.id, ${basenameSql('new.source_path')}, '');
      END;
      CREATE TRIGGER images_search_remove AFTER DELETE ON images BEGIN
        DELETE FROM image_search WHERE rowid = old.id;
      END;
      CREATE TRIGGER image_tags_search_add AFTER INSERT ON image_tags BEGIN
        UPDATE image_search SET tags = (SELECT group_concat(tag, ' ') FROM image_tags WHERE image_id = new.image_id)
          WHERE rowid = new.image_id;
      END;
      CREATE TRIGGER image_tags_search_remove AFTER DELETE ON image_tags BEGIN
        UPDATE image_search SET tags = coalesce((SELECT group_concat(tag, ' ') FROM image_tags WHERE image_id = old.image_id), '')
          WHERE rowid = old.image_id;
      END;
    `,
  },
  {
    version: 6,
    description: "each slice's place in its volume (position, orientation, spacing) kept from the import",
    // JSON (io/volume.ts SliceGeometry), NULL for images without a place in a volume (PNG, JPEG) and for
    // slices imported before: per-volume metrics and volume exports order and check slices by it.
    up: `
      ALTER TABLE images ADD COLUMN geometry_json TEXT;
    `,
  },
  {
    version: 7,
    description: 'the Data grid filters by split and inclusion through an index',
    // Without it a filter on split (and its count) read all 50,000 images; with it, only those that match.
    up: `
      CREATE INDEX images_filter ON images (split, included, dataset_id);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies the migrations after the database's current version, up to `target`, each in its own
 * transaction with its user_version bump. Returns the versions applied.
 */
export function migrate(db: Database.Database, target: number = SCHEMA_VERSION): number[] {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
