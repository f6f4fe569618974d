/**
 * The AppApi implementation: plain Node, no 'electron' import. Both shells construct one of these and
 * route every renderer call through dispatch(); the only shell-specific parts come in as a ShellPlatform.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppApi } from '../../shared/api.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { AppInfo, ProjectSummary, RecentProject, Settings, SettingsPatch } from '../../shared/dto.js';
import type { ComputeInfo } from '../../shared/compute.js';
import type { AppEvent, AppEventListener } from '../../shared/events.js';
import type { JobOf, JobProgress } from '../../shared/jobs.js';
import { JobManager } from './job-manager.js';
import { importImages } from './import-service.js';
import { exportMasks } from './mask-export.js';
import * as teachers from './teacher-service.js';
import { teacherSummary } from './teacher-summary.js';
import { runEvaluation } from './evaluation-service.js';
import { renderReport } from '../util/report-html.js';
import { makeDirs, writeFileAtomic } from '../util/atomic-write.js';
import * as transfer from './transfer-service.js';
import * as students from './student-service.js';
import { checkTransferPaths } from '../transfer/preflight.js';
import * as review from './review-service.js';
import * as curation from './curation-service.js';
import { absolutePath, existingFolder } from './paths.js';
import { createFileLogger, type Logger } from './logger.js';
import { ProjectService } from './project-service.js';
import { RecentProjects } from './recent-projects.js';
import { SettingsService } from './settings-service.js';
import { isProjectFolder } from '../store/project-store.js';
import { APP_NAME, APP_VERSION } from '../util/version.js';

export interface ShellPlatform {
  shell: 'electron' | 'web';
  /** Extra version strings the shell knows (electron, chrome). */
  versions?: Record<string, string>;
  /** A native folder dialog, where the shell has one. */
  pickFolder?: (opts: { title?: string; defaultPath?: string }) => Promise<string | null>;
  /** A native file dialog, where the shell has one. */
  pickFile?: (opts: {
    title?: string;
    defaultPath?: string;
    extensions?: string[];
  }) => Promise<string | null>;
}

export interface AppServicesOptions {
  userDataDir: string;
  platform: ShellPlatform;
  logger?: Logger;
  /** Initialises the compute engine; injected so that tests and the web shell can choose. */
  initCompute?: (settings: Settings) => Promise<ComputeInfo>;
}

export interface AppServices {
  api: AppApi;
  log: Logger;
  jobs: JobManager;
  projects: ProjectService;
  settings: SettingsService;
  subscribe(listener: AppEventListener): () => void;
  dispose(): Promise<void>;
}

export function createAppServices(opts: AppServicesOptions): AppServices {
  makeDirs(opts.userDataDir); // bounded, unlike Node's recursive mkdir (which loops under /proc)
  const log = opts.logger ?? createFileLogger({ dir: join(opts.userDataDir, 'logs') });
  const listeners = new Set<AppEventListener>();
  const emit = (event: AppEvent) => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (err) {
        log.error('Event listener failed', err);
      }
    }
  };
  const settings = new SettingsService(opts.userDataDir, log);
  log.level = settings.get().logLevel;
  const recent = new RecentProjects(opts.userDataDir, log, (p) => existsSync(p) && isProjectFolder(p));
  const projects = new ProjectService(
    APP_VERSION,
    recent,
    () => settings.get().recentProjectsLimit,
    emit,
    log,
  );
  const jobs = new JobManager(emit, log);

  let compute: Promise<ComputeInfo | null> | null = null;
  const computeInfo = () => {
    compute ??= (opts.initCompute ?? defaultInitCompute)(settings.get()).then(
      (info) => {
        log.info(`Compute backend: ${info.backend}${info.notice ? ` (${info.notice})` : ''}`);
        return info;
      },
      (err) => {
        log.error('Compute engine failed to initialise', err);
        return null;
      },
    );
    return compute;
  };

  const api: AppApi = {
    async getAppInfo(): Promise<AppInfo> {
      return {
        name: APP_NAME,
        version: APP_VERSION,
        shell: opts.platform.shell,
        platform: process.platform,
        arch: process.arch,
        versions: { node: process.versions.node, v8: process.versions.v8, ...opts.platform.versions },
        compute: await computeInfo(),
        userDataDir: opts.userDataDir,
        logFile: log.file,
      };
    },
    async getSettings(): Promise<Settings> {
      return settings.get();
    },
    async updateSettings(patch: SettingsPatch): Promise<Settings> {
      const next = settings.update(patch);
      log.level = next.logLevel;
      emit({ type: 'settings', settings: next });
      return next;
    },
    async listRecentProjects(): Promise<RecentProject[]> {
      return recent.list();
    },
    async forgetRecentProject({ path }): Promise<RecentProject[]> {
      return recent.forget(path);
    },
    // A job writes into the open project: it is cancelled (and waited for) before that project closes.
    async createProject({ parentDir, name }): Promise<ProjectSummary> {
      await jobs.shutdown();
      return projects.create(parentDir, name);
    },
    async openProject({ path }): Promise<ProjectSummary> {
      if (projects.current()?.dir !== path) await jobs.shutdown();
      return projects.open(path);
    },
    async closeProject(): Promise<void> {
      await jobs.shutdown();
      projects.close();
    },
    async getCurrentProject(): Promise<ProjectSummary | null> {
      return projects.summary();
    },
    async pickFolder(args): Promise<string | null> {
      return opts.platform.pickFolder ? opts.platform.pickFolder(args) : null;
    },
    async listFolder({ path, extensions }) {
      return projects.listFolder(path, extensions);
    },
    async pickFile(args): Promise<string | null> {
      return opts.platform.pickFile ? opts.platform.pickFile(args) : null;
    },
    async listDatasets() {
      const store = projects.require();
      const lone = curation.loneImagesByDataset(store);
      return store.datasets.list().map((d) => ({ ...d, loneImages: lone.get(d.id) ?? 0 }));
    },
    async renameDataset(req) {
      return curation.renameDataset(projects.require(), req);
    },
    async deleteDataset({ datasetId }) {
      const store = projects.require();
      const running = jobs.list().find((j) => j.state === 'running' || j.state === 'queued');
      if (running)
        throw new AppError(
          ErrorCode.FAILED_PRECONDITION,
          `A ${running.kind} job is running: wait for it or cancel it, then delete the dataset`,
          { jobId: running.jobId },
        );
      return curation.deleteDataset(store, datasetId);
    },
    async importImages({ path, dataset, role, masksPath, manifestPath }): Promise<JobOf<'import'>> {
      const store = projects.require();
      const request = {
        path: absolutePath(path, 'The import path'),
        dataset,
        role: role ?? 'transferal',
        ...(masksPath ? { masksPath: absolutePath(masksPath, 'The masks folder') } : {}),
        ...(manifestPath ? { manifestPath: absolutePath(manifestPath, 'The manifest') } : {}),
      };
      return jobs.start('import', (ctx) => importImages(store, request, ctx));
    },
    async listImages(q) {
      return review.listImages(projects.require(), q);
    },
    async listImagesPage(q) {
      return review.listImagesPage(projects.require(), q);
    },
    async getImage({ imageId }) {
      return review.getImage(projects.require(), imageId);
    },
    async getMasks({ imageId }) {
      return review.getMasks(projects.require(), imageId);
    },
    async saveMaskEdit(req) {
      return review.saveMaskEdit(projects.require(), req);
    },
    async undoMaskEdit({ imageId }) {
      return review.stepMaskEdit(projects.require(), imageId, 'undo');
    },
    async redoMaskEdit({ imageId }) {
      return review.stepMaskEdit(projects.require(), imageId, 'redo');
    },
    async setReview(req) {
      return review.setReview(projects.require(), req);
    },
    async exportMasks({ outDir, format, layer, datasetId }) {
      const store = projects.require();
      const request = {
        outDir: absolutePath(outDir, 'The export folder'),
        format,
        layer,
        ...(datasetId !== undefined ? { datasetId } : {}),
      };
      return jobs.start('export-masks', (ctx) => exportMasks(store, request, ctx));
    },
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
    async runTransfer({ spec, fresh }) {
      return transfer.startTransfer(jobs, projects.current(), spec, fresh === true);
    },
    async checkTransferPaths({ paths }) {
      return checkTransferPaths(paths);
    },
    async loadTransferSpec({ path }) {
      return transfer.loadTransferSpec(path);
    },
    async saveTransferSpec({ spec, path }) {
      return transfer.saveTransferSpec(spec, path);
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
    async listTransferRuns() {
      return projects.require().transferRuns.list();
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
    async getThumbnails({ imageIds, size }) {
      return curation.thumbnails(projects.require(), imageIds, size ?? 96);
    },
    async updateImages(req) {
      curation.updateImages(projects.require(), req);
    },
    async assignSplits(req) {
      return curation.assignSplits(projects.require(), req);
    },
    async findNearDuplicates({ datasetId, maxDistance }) {
      return curation.nearDuplicates(projects.require(), {
        ...(datasetId !== undefined ? { datasetId } : {}),
        maxDistance: maxDistance ?? 4,
      });
    },
    async listJobs(): Promise<JobProgress[]> {
      return jobs.list();
    },
    async cancelJob({ jobId }): Promise<void> {
      jobs.cancel(jobId);
    },
  };

  return {
    api,
    log,
    jobs,
    projects,
    settings,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async dispose() {
      await jobs.shutdown();
      projects.close();
      listeners.clear();
    },
  };
}

async function defaultInitCompute(settings: Settings): Promise<ComputeInfo> {
  const { initCompute } = await import('../engine/backend.js');
  return initCompute({ requested: settings.computeBackend });
}
