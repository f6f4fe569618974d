import { AppError, ErrorCode } from '../../shared/errors.js';
import { type Db, checkText, nowIso, where } from './sqlite.js';

/** One measured number: what was measured (name), of what (job/teacher/student), on what (image or whole set). */
export interface Metric {
  id: number;
  jobId: number | null;
  teacherId: number | null;
  studentId: number | null;
  /** null = an aggregate over a set (e.g. mean Dice of an evaluation job). */
  imageId: number | null;
  name: string;
  value: number | null;
  /** Training step/epoch for curves; null otherwise. */
  step: number | null;
  createdAt: string;
}

export type NewMetric = Partial<Pick<Metric, 'jobId' | 'teacherId' | 'studentId' | 'imageId' | 'step'>> & {
  name: string;
  /** NaN and infinities (an empty-mask Dice, a diverged loss) are stored as null. */
  value: number | null;
};

export interface MetricFilter {
  jobId?: number;
  teacherId?: number;
  studentId?: number;
  imageId?: number | null;
  name?: string;
}

export class Metrics {
  constructor(private readonly db: Db) {}

  /** Records many metrics in one commit (a training epoch, an evaluation pass). */
  record(metrics: readonly NewMetric[]): void {
    const now = nowIso();
    for (const m of metrics) {
      checkText(m.name, 'metric name', 200);
      if (m.value !== null && typeof m.value !== 'number')
        throw new AppError(ErrorCode.INVALID_ARGUMENT, 'A metric value is a number or null', {
          field: 'value',
        });
    }
    this.db.tx(() => {
      for (const m of metrics)
        this.db.run(
          'INSERT INTO metrics (job_id, teacher_id, student_id, image_id, name, value, step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [
            m.jobId ?? null,
            m.teacherId ?? null,
            m.studentId ?? null,
            m.imageId ?? null,
            m.name,
            m.value !== null && Number.isFinite(m.value) ? m.value : null,
            m.step ?? null,
            now,
          ],
        );
    });
  }

  list(f: MetricFilter = {}): Metric[] {
    // Only the filters given become conditions, so that SQLite can answer each from an index
    // ('@x IS NULL OR col = @x' would make it read the whole table).
    const w = where([
      ['job_id = ?', f.jobId ?? undefined],
      ['teacher_id = ?', f.teacherId ?? undefined],
      ['student_id = ?', f.studentId ?? undefined],
      ['name = ?', f.name ?? undefined],
      [f.imageId === null ? 'image_id IS NULL AND ? IS NULL' : 'image_id = ?', f.imageId],
    ]);
    return this.db.all<MetricRow>(`SELECT * FROM metrics ${w.sql} ORDER BY id`, w.params).map(toMetric);
  }
}

interface MetricRow {
  id: number;
  job_id: number | null;
  teacher_id: number | null;
  student_id: number | null;
  image_id: number | null;
  name: string;
  value: number | null;
  step: number | null;
  created_at: string;
}

function toMetric(r: MetricRow): Metric {
  return {
    id: r.id,
    jobId: r.job_id,
    teacherId: r.teacher_id,
    studentId: r.student_id,
    imageId: r.image_id,
    name: r.name,
    value: r.value,
    step: r.step,
    createdAt: r.created_at,
  };
}
