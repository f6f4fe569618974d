/**
 * What every part of the AppApi works with: the job manager (long operations run as jobs) and the
 * project service (the open project, or an error saying none is open).
 */
import type { JobManager } from '../job-manager.js';
import type { ProjectService } from '../project-service.js';

export interface ApiContext {
  jobs: JobManager;
  projects: ProjectService;
}
