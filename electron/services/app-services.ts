/**
 * The AppApi implementation: plain Node, no 'electron' import. Both shells construct one of these and
 * route every renderer call through dispatch(); the only shell-specific parts come in as a ShellPlatform.
 * The app's own methods (info, settings, projects, pickers, jobs) are here; each screen's concept has its
 * part in api/ (data, teachers, students, transfer), built on the same job manager and open project.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppApi } from '../../shared/api.js';
import type { AppInfo, ProjectSummary, RecentProject, Settings, SettingsPatch } from '../../shared/dto.js';
import type { ComputeInfo } from '../../shared/compute.js';
import type { AppEvent, AppEventListener } from '../../shared/events.js';
import type { JobProgress } from '../../shared/jobs.js';
import { JobManager } from './job-manager.js';
import { makeDirs } from '../util/atomic-write.js';
import { dataApi } from './api/data-api.js';
import { studentsApi } from './api/students-api.js';
import { teachersApi } from './api/teachers-api.js';
import { useTeacherProviderSetting } from '../teachers/onnx-providers.js';
import { transferApi } from './api/transfer-api.js';
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
  useTeacherProviderSetting(settings.get().teacherProvider);

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

  const context = { jobs, projects };
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
      useTeacherProviderSetting(next.teacherProvider);
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
    async listJobs(): Promise<JobProgress[]> {
      return jobs.list();
    },
    async cancelJob({ jobId }): Promise<void> {
      jobs.cancel(jobId);
    },
    ...dataApi(context),
    ...teachersApi(context),
    ...studentsApi(context),
    ...transferApi(context),
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
