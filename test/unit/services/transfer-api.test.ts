// Knowledge transfer through the AppApi as the renderer calls it (dispatch): a job with staged progress
// and a TransferSummary; spec files loaded and saved; broken, relative and hostile arguments refused
// with a clear error and no job started.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../shared/dto.js';
import type { AppEvent } from '../../../shared/events.js';
import type { TransferSpecInput, TransferSummary } from '../../../shared/transfer.js';
import type { AppServices } from '../../../electron/services/app-services.js';
import { dispatch } from '../../../electron/services/dispatch.js';
import { copyBusBra } from '../../helpers/data.js';
import { testServices } from '../../helpers/services.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

describe('transfer through the API', () => {
  const t = tempDir('transfer-api-');
  let services: AppServices;
  let spec: TransferSpecInput;
  const events: AppEvent[] = [];
  const call = (method: string, ...args: unknown[]) => dispatch(services.api, method, args, services.log);

  beforeAll(() => {
    services = testServices(join(t.dir, 'ud'));
    services.subscribe((e) => events.push(e));
    const all = copyBusBra(join(t.dir, 'all'), 8);
    mkdirSync(join(t.dir, 'transferal'));
    all.names.slice(0, 5).forEach((n) => copyFileSync(join(all.images, n), join(t.dir, 'transferal', n)));
    mkdirSync(join(t.dir, 'test', 'images'), { recursive: true });
    mkdirSync(join(t.dir, 'test', 'masks'), { recursive: true });
    all.names.slice(5).forEach((n) => {
      copyFileSync(join(all.images, n), join(t.dir, 'test', 'images', n));
      copyFileSync(join(all.masks, n), join(t.dir, 'test', 'masks', n));
    });
    spec = {
      name: 'api',
      teachers: [join(SHARED_DIR, 'teachers', 'resunet-busi.json')],
      transferal: { images: join(t.dir, 'transferal') },
      student: { arch: 'unet-tiny', size: 32, epochs: 1, batchSize: 4, valFraction: 0 },
      test: { images: join(t.dir, 'test', 'images'), masks: join(t.dir, 'test', 'masks') },
      out: join(t.dir, 'out'),
    };
  });
  afterAll(async () => {
    await services.dispose();
    t.cleanup();
  });

  it('runs a transfer as one job with staged progress and a summary', async () => {
    const reply = await call('runTransfer', { spec });
    expect(reply.ok).toBe(true);
    const started = (reply as { value: JobProgress }).value;
    expect(started.kind).toBe('transfer');
    const done = await services.jobs.wait(started.jobId);
    expect(done.state).toBe('done');
    const summary = done.result as unknown as TransferSummary;
    expect(summary.test!.scores.map((s) => s.kind)).toEqual(['teacher', 'student']);
    const phases = events.flatMap((e) =>
      e.type === 'job' && e.job.jobId === started.jobId ? [e.job.phase] : [],
    );
    expect(phases.some((p) => /^1\/5 pseudo-label/.test(p))).toBe(true);
    expect(phases.some((p) => /^2\/5 train/.test(p))).toBe(true);
  }, 120_000);

  it('saves a spec as JSON and loads it back with every default filled in', async () => {
    const file = join(t.dir, 'saved.json');
    const saved = await call('saveTransferSpec', { spec, path: file });
    expect(saved).toEqual({ ok: true, value: { path: file } });
    const loaded = await call('loadTransferSpec', { path: file });
    expect(loaded.ok).toBe(true);
    const s = (loaded as { value: Record<string, unknown> }).value;
    expect(s.out).toBe(spec.out);
    expect(s.fusion).toEqual({ method: 'mean', threshold: 0.5 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(s);
  });

  it.each([
    ['relative output folder', { out: 'out' }, /out must be an absolute path/],
    ['relative teacher', { teachers: ['card.json'] }, /teachers\.0 must be an absolute path/],
    ['no teacher', { teachers: [] }, /teachers/],
    ['unknown key', { sneaky: true }, /sneaky|Unrecognized/i],
    ['NUL in a path', { out: '/tmp/a\0b' }, /NUL/],
    ['huge epochs', { student: { epochs: 1e9 } }, /epochs/],
    ['prototype pollution', JSON.parse('{"__proto__": {"polluted": true}}') as object, /./],
  ])('refuses a spec with a %s, starting no job', async (_name, patch, message) => {
    const before = services.jobs.list().length;
    const bad = { ...spec, ...(patch as object) };
    const reply = await call('runTransfer', { spec: bad });
    if (_name === 'prototype pollution') {
      // Either refused or run with the pollution ignored; never a polluted Object prototype.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      if (reply.ok) await services.jobs.wait((reply.value as JobProgress).jobId);
      return;
    }
    expect(reply.ok).toBe(false);
    expect((reply as { error: { message: string } }).error.message).toMatch(message);
    expect(services.jobs.list().length).toBe(before);
  });

  it('checks every path before starting: no job for a missing folder or an output that is a file', async () => {
    const before = services.jobs.list().length;
    const file = join(t.dir, 'a-file');
    writeFileSync(file, 'x');
    const cases: [Partial<TransferSpecInput>, RegExp][] = [
      [{ out: file }, /out: .*a-file is a file, not a folder/],
      [{ transferal: { images: join(t.dir, 'nowhere') } }, /transferal\.images: .*nowhere does not exist/],
      [{ teachers: [join(t.dir, 'transferal')] }, /teachers\[0\]: .* is not a file/],
      [{ test: { images: join(t.dir, 'test', 'images'), masks: join(t.dir, 'no-masks') } }, /test\.masks/],
    ];
    for (const [patch, message] of cases) {
      const reply = await call('runTransfer', { spec: { ...spec, ...patch } });
      expect(reply.ok).toBe(false);
      expect((reply as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(services.jobs.list().length).toBe(before);
  });

  it.each([
    ['not a list', 'runTransfer', { spec: {} }],
    ['no spec', 'runTransfer', []],
    ['spec is a string', 'runTransfer', ['{"teachers":[]}']],
    ['extra argument', 'loadTransferSpec', [{ path: '/x' }, 1]],
    ['relative spec path', 'loadTransferSpec', [{ path: 'run.yaml' }]],
  ])('refuses %s', async (_name, method, args) => {
    const reply = await dispatch(services.api, method, args, services.log);
    expect(reply.ok).toBe(false);
  });

  it('names a damaged spec file and saves nothing over an existing file when the spec is invalid', async () => {
    const bad = join(t.dir, 'bad.yaml');
    writeFileSync(bad, 'teachers: [\n');
    const r = await call('loadTransferSpec', { path: bad });
    expect(r.ok).toBe(false);
    expect((r as { error: { message: string } }).error.message).toContain(bad);
    const keep = join(t.dir, 'keep.json');
    writeFileSync(keep, 'precious');
    const s = await call('saveTransferSpec', { spec: { ...spec, out: 'relative' }, path: keep });
    expect(s.ok).toBe(false);
    expect(readFileSync(keep, 'utf8')).toBe('precious');
  });
});
