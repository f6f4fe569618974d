/** Creating, opening and closing the current project; remembers recent ones. */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { homedir } from 'node:os';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { FolderListing, ProjectSummary } from '../../shared/dto.js';
import type { AppEvent } from '../../shared/events.js';
import { ProjectStore, isProjectFolder } from '../store/project-store.js';
import { existingFolder } from './paths.js';
import type { Logger } from './logger.js';
import type { RecentProjects } from './recent-projects.js';

const MAX_LISTED_ENTRIES = 5000;

export class ProjectService {
  private store: ProjectStore | null = null;

  constructor(
    private readonly appVersion: string,
    private readonly recent: RecentProjects,
    private readonly recentLimit: () => number,
    private readonly emit: (e: AppEvent) => void,
    private readonly log: Logger,
  ) {}

  current(): ProjectStore | null {
    return this.store;
  }

  /** The open project, or a FAILED_PRECONDITION error a user understands. */
  require(): ProjectStore {
    if (!this.store) throw new AppError(ErrorCode.FAILED_PRECONDITION, 'No project is open');
    return this.store;
  }

  summary(): ProjectSummary | null {
    if (!this.store) return null;
    const i = this.store.info();
    return {
      id: i.id,
      name: i.name,
      path: this.store.dir,
      createdAt: i.createdAt,
      schemaVersion: i.schemaVersion,
      createdWithAppVersion: i.createdWithAppVersion,
      counts: { ...i.counts },
    };
  }

  create(parentDir: string, name: string): ProjectSummary {
    const parent = existingFolder(parentDir, 'The parent folder');
    const dir = join(parent, name.trim());
    const store = ProjectStore.create(dir, { name: name.trim(), appVersion: this.appVersion });
    this.log.info(`Project created at ${dir}`);
    return this.adopt(store);
  }

  open(path: string): ProjectSummary {
    const dir = existingFolder(path, 'The project folder');
    if (this.store && resolve(this.store.dir) === dir) return this.summary()!;
    const store = ProjectStore.open(dir, { appVersion: this.appVersion });
    this.log.info(`Project opened at ${dir}`);
    return this.adopt(store);
  }

  close(): void {
    if (!this.store) return;
    this.log.info(`Project closed at ${this.store.dir}`);
    this.store.close();
    this.store = null;
    this.emit({ type: 'project', project: null });
  }

  /** Sub-folders of a folder and, when `extensions` are given, the files with those endings. */
  listFolder(path: string | undefined, extensions: readonly string[] = []): FolderListing {
    const dir = existingFolder(path ?? homedir(), 'The folder');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      throw new AppError(ErrorCode.IO_ERROR, `The folder cannot be read: ${dir}`, { path: dir });
    }
    const entries = names
      .filter((n) => !n.startsWith('.'))
      .slice(0, MAX_LISTED_ENTRIES)
      .flatMap((n) => {
        const p = join(dir, n);
        let isDir: boolean;
        try {
          isDir = statSync(p).isDirectory();
        } catch {
          return []; // broken links, permission errors: not offered
        }
        if (isDir) return [{ name: n, path: p, isDirectory: true, isProject: isProjectFolder(p) }];
        const lower = n.toLowerCase();
        return extensions.some((e) => lower.endsWith(e.toLowerCase()))
          ? [{ name: n, path: p, isDirectory: false, isProject: false }]
          : [];
      })
      .sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name));
    const parent = parse(dir).root === dir ? null : dirname(dir);
    return { path: dir, parent, entries };
  }

  private adopt(store: ProjectStore): ProjectSummary {
    if (this.store) this.store.close();
    this.store = store;
    const s = this.summary()!;
    this.recent.touch(store.dir, s.name, this.recentLimit());
    this.emit({ type: 'project', project: s });
    return s;
  }
}
