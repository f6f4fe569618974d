import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, SettingsService } from '../../../electron/services/settings-service.js';
import { RecentProjects } from '../../../electron/services/recent-projects.js';
import { createNullLogger } from '../../../electron/services/logger.js';
import { tempDir } from '../../helpers/temp.js';

describe('settings persisted in the user-data folder', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it('starts from defaults and persists updates across instances', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const a = new SettingsService(t.dir, createNullLogger());
    expect(a.get()).toEqual(DEFAULT_SETTINGS);
    expect(a.get().teacherProvider).toBe('auto');
    a.update({ computeBackend: 'cpu', teacherProvider: 'webgpu', overlayOpacity: 0.7 });
    const b = new SettingsService(t.dir, createNullLogger());
    expect(b.get()).toMatchObject({
      computeBackend: 'cpu',
      teacherProvider: 'webgpu',
      overlayOpacity: 0.7,
      logLevel: 'info',
    });
  });

  it('moves a corrupt settings file aside instead of losing or crashing on it', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    writeFileSync(join(t.dir, 'settings.json'), '{"computeBackend": "cpu", trunc');
    const s = new SettingsService(t.dir, createNullLogger());
    expect(s.get()).toEqual(DEFAULT_SETTINGS);
    const aside = readdirSync(t.dir).find((f) => f.startsWith('settings.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(readFileSync(join(t.dir, aside!), 'utf8')).toMatch(/trunc/);
  });

  it('keeps known valid keys from a file written by another version and drops unknown ones', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    writeFileSync(join(t.dir, 'settings.json'), JSON.stringify({ logLevel: 'debug', futureKey: 1 }));
    expect(new SettingsService(t.dir, createNullLogger()).get()).toEqual({
      ...DEFAULT_SETTINGS,
      logLevel: 'debug',
    });
  });

  it('refuses an out-of-range value and keeps the file as it was', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const s = new SettingsService(t.dir, createNullLogger());
    s.update({ recentProjectsLimit: 5 });
    expect(() => s.update({ recentProjectsLimit: 0 })).toThrow();
    expect(JSON.parse(readFileSync(join(t.dir, 'settings.json'), 'utf8')).recentProjectsLimit).toBe(5);
  });

  it('remembers recent projects, most recent first, bounded, and forgets on request', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const r = new RecentProjects(t.dir, createNullLogger(), (p) => p !== '/gone');
    r.touch('/a', 'A', 2);
    r.touch('/b', 'B', 2);
    r.touch('/gone', 'G', 2);
    expect(r.list().map((e) => [e.name, e.exists])).toEqual([
      ['G', false],
      ['B', true],
    ]);
    const again = new RecentProjects(t.dir, createNullLogger(), () => true);
    expect(again.forget('/gone').map((e) => e.name)).toEqual(['B']);
    expect(existsSync(join(t.dir, 'recent-projects.json'))).toBe(true);
  });
});
