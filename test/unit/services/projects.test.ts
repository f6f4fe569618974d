// The project operations of the AppApi, through dispatch() as a shell calls them, on real SQLite files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppServices } from '../../../electron/services/app-services.js';
import { dispatch } from '../../../electron/services/dispatch.js';
import type { AppEvent } from '../../../shared/events.js';
import { testServices } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';

describe('projects', () => {
  let t: ReturnType<typeof tempDir>;
  let services: AppServices;
  let events: AppEvent[];
  const call = (method: string, ...args: unknown[]) => dispatch(services.api, method, args, services.log);

  beforeEach(() => {
    t = tempDir();
    services = testServices(join(t.dir, 'user-data'));
    events = [];
    services.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('creates, closes and reopens a project, remembering it as recent', async () => {
    const created = await call('createProject', { parentDir: t.dir, name: 'Liver CT' });
    expect(created).toMatchObject({ ok: true, value: { name: 'Liver CT', path: join(t.dir, 'Liver CT') } });
    expect(events.at(-1)).toMatchObject({ type: 'project', project: { name: 'Liver CT' } });
    expect(await call('closeProject')).toEqual({ ok: true, value: null });
    expect(await call('getCurrentProject')).toEqual({ ok: true, value: null });

    await services.dispose();
    services = testServices(join(t.dir, 'user-data'));
    const recent = await call('listRecentProjects');
    expect(recent).toMatchObject({ ok: true, value: [{ name: 'Liver CT', exists: true }] });
    const reopened = await call('openProject', { path: join(t.dir, 'Liver CT') });
    expect(reopened.ok && reopened.value).toMatchObject({ name: 'Liver CT' });
    if (created.ok && reopened.ok)
      expect((reopened.value as { id: string }).id).toBe((created.value as { id: string }).id);
  });

  it('refuses to create a project over an existing one or inside a missing folder', async () => {
    await call('createProject', { parentDir: t.dir, name: 'P' });
    expect(await call('createProject', { parentDir: t.dir, name: 'P' })).toMatchObject({
      ok: false,
      error: { code: 'ALREADY_EXISTS' },
    });
    expect(await call('createProject', { parentDir: join(t.dir, 'nope'), name: 'Q' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringContaining('nope') },
    });
  });

  it('refuses to open a folder that is not a project, naming it', async () => {
    const plain = join(t.dir, 'holiday-photos');
    mkdirSync(plain);
    writeFileSync(join(plain, 'a.jpg'), 'x');
    const r = await call('openProject', { path: plain });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(plain);
  });

  it('lists sub-folders and marks projects among them', async () => {
    await call('createProject', { parentDir: t.dir, name: 'Alpha' });
    mkdirSync(join(t.dir, 'beta'));
    writeFileSync(join(t.dir, 'file.txt'), 'x');
    const r = await call('listFolder', { path: t.dir });
    expect(r.ok).toBe(true);
    if (r.ok) {
      const listing = r.value as { entries: { name: string; isProject: boolean }[] };
      expect(listing.entries.map((e) => [e.name, e.isProject])).toEqual(
        expect.arrayContaining([
          ['Alpha', true],
          ['beta', false],
        ]),
      );
      expect(listing.entries.some((e) => e.name === 'file.txt')).toBe(false);
    }
  });

  it('reports app info with the shell and the compute backend', async () => {
    const r = await call('getAppInfo');
    expect(r).toMatchObject({ ok: true, value: { shell: 'web', compute: { backend: 'test-backend' } } });
  });
});
