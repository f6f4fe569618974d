/**
 * The Teachers screen's part of the AppApi: importing teachers, previewing them and their fusion, and
 * the pseudo-labelling job.
 */
import type { AppApi } from '../../../shared/api.js';
import * as teachers from '../teacher-service.js';
import { teacherSummary } from '../teacher-summary.js';
import { absolutePath } from '../paths.js';
import type { ApiContext } from './context.js';

export type TeachersMethods =
  'listTeachers' | 'importTeacher' | 'previewTeacher' | 'previewFusion' | 'runPseudoLabels';

export function teachersApi({ jobs, projects }: ApiContext): Pick<AppApi, TeachersMethods> {
  return {
    async listTeachers() {
      return projects.require().teachers.list().map(teacherSummary);
    },
    async importTeacher({ path, name, hints }) {
      const r = await teachers.importTeacher(projects.require(), {
        path: absolutePath(path, 'The teacher file'),
        ...(name !== undefined ? { name } : {}),
        ...(hints !== undefined ? { hints } : {}),
      });
      return { teacher: teacherSummary(r.teacher), assumed: r.assumed };
    },
    async previewTeacher({ teacherId, datasetId, count }) {
      const p = await teachers.previewTeacher(projects.require(), {
        teacherId,
        ...(datasetId !== undefined ? { datasetId } : {}),
        ...(count !== undefined ? { count } : {}),
      });
      return { teacher: p.teacher, images: p.images, warnings: p.warnings, assumed: p.assumed };
    },
    async previewFusion({ count, ...req }) {
      return teachers.previewFusion(projects.require(), {
        ...req,
        ...(count !== undefined ? { count } : {}),
      });
    },
    async runPseudoLabels(req) {
      const store = projects.require();
      return jobs.start('pseudo-label', (ctx) => teachers.pseudoLabel(store, req, ctx));
    },
  };
}
