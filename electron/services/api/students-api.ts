/**
 * The Train, Evaluate and Export screens' part of the AppApi: the zoo, training runs and students,
 * evaluations and their reports, and exporting a student.
 */
import type { AppApi } from '../../../shared/api.js';
import { dirname } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import * as students from '../student-service.js';
import { runEvaluation } from '../evaluation-service.js';
import { renderReport } from '../../util/report-html.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { absolutePath, existingFolder } from '../paths.js';
import { APP_VERSION } from '../../util/version.js';
import type { ApiContext } from './context.js';

export type StudentsMethods =
  | 'listStudentPresets'
  | 'describeStudent'
  | 'trainStudent'
  | 'planTraining'
  | 'listTrainingRuns'
  | 'evaluateDataset'
  | 'listEvaluations'
  | 'getEvaluation'
  | 'exportStudent'
  | 'saveReport'
  | 'listStudents';

export function studentsApi({ jobs, projects }: ApiContext): Pick<AppApi, StudentsMethods> {
  return {
    async listStudentPresets() {
      return students.studentPresets();
    },
    async describeStudent({ preset, size }) {
      return students.describeStudent(preset, size);
    },
    async trainStudent(req) {
      return students.startProjectTraining(jobs, projects.require(), students.projectTrainRequest(req));
    },
    async planTraining(req) {
      return students.planTraining(projects.require(), req);
    },
    async listTrainingRuns() {
      return students.listTrainingRuns(projects.require());
    },
    async evaluateDataset(args) {
      return runEvaluation(projects.require(), args);
    },
    async listEvaluations() {
      return projects.require().evaluations.list();
    },
    async getEvaluation({ evaluationId }) {
      return projects.require().evaluations.get(evaluationId);
    },
    async exportStudent({ studentId, outDir }) {
      const store = projects.require();
      const student = store.students.get(studentId);
      const trained = typeof student.card.outDir === 'string' ? student.card.outDir : null;
      if (!trained)
        throw new AppError(
          ErrorCode.FAILED_PRECONDITION,
          `Student "${student.name}" has no training folder to export`,
        );
      return students.startExport(jobs, store, {
        student: trained,
        out: absolutePath(outDir, 'The export folder'),
        name: student.name,
        appVersion: APP_VERSION,
      });
    },
    async saveReport({ evaluationId, outFile }) {
      const store = projects.require();
      const path = absolutePath(outFile, 'The report file');
      existingFolder(dirname(path), 'The report folder');
      // The kept evaluation, not a new one: the report shows the split, rows and numbers on screen.
      const html = renderReport({
        project: store.info().name,
        report: store.evaluations.get(evaluationId),
        students: students.listStudents(store),
        appVersion: APP_VERSION,
        generatedAt: new Date(),
      });
      writeFileAtomic(path, html);
      return { path };
    },
    async listStudents() {
      return students.listStudents(projects.require());
    },
  };
}
