/** Events pushed from the main process to the renderer (IPC channel or WebSocket). */
import type { ProjectSummary, Settings } from './dto.js';
import type { JobProgress } from './jobs.js';

export type AppEvent =
  | { type: 'job'; job: JobProgress }
  | { type: 'project'; project: ProjectSummary | null }
  | { type: 'settings'; settings: Settings };

export type AppEventListener = (event: AppEvent) => void;
