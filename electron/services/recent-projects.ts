/** The most-recently-opened projects, persisted as <userData>/recent-projects.json. */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecentProject } from '../../shared/dto.js';
import { readJsonFile, writeJsonFile } from './json-file.js';
import type { Logger } from './logger.js';

const entrySchema = z.object({ path: z.string(), name: z.string(), openedAt: z.string() });
type Entry = z.infer<typeof entrySchema>;

export class RecentProjects {
  private readonly file: string;
  private entries: Entry[];

  constructor(
    userDataDir: string,
    log: Logger,
    private readonly exists: (path: string) => boolean,
  ) {
    this.file = join(userDataDir, 'recent-projects.json');
    this.entries = readJsonFile(this.file, (raw) => z.array(entrySchema).parse(raw), [], log);
  }

  list(): RecentProject[] {
    return this.entries.map((e) => ({ ...e, exists: this.exists(e.path) }));
  }

  touch(path: string, name: string, limit: number): void {
    const p = resolve(path);
    this.entries = [
      { path: p, name, openedAt: new Date().toISOString() },
      ...this.entries.filter((e) => e.path !== p),
    ];
    this.entries = this.entries.slice(0, limit);
    writeJsonFile(this.file, this.entries);
  }

  forget(path: string): RecentProject[] {
    const p = resolve(path);
    this.entries = this.entries.filter((e) => e.path !== p);
    writeJsonFile(this.file, this.entries);
    return this.list();
  }
}
