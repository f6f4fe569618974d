// Knowledge transfer through the AppApi as the renderer calls it (dispatch): a job with staged progress
// and a TransferSummary; spec files loaded and saved; broken, relative and hostile arguments refused
// with a clear error and no job started.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../shared/jobs.js';
import type { AppEvent } from '../../../shared/events.js';
import type {
  TransferPathsCheck,
  TransferRunRecord,
  TransferSpecInput,
  TransferSummary,
} from '../../../shared/transfer.js';
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
      student: { arch: 'unet-tiny', size: 32, epochs: 1, batchSize: 4, valFraction: 0.25 },
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
    expect(s.fusion).toEqual({ method: 'auto', threshold: 0.5 });
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
      [{ out: file }, /^Output folder: .*a-file is a file, not a folder$/],
      [{ transferal: { images: join(t.dir, 'nowhere') } }, /^Transferal images: .*nowhere does not exist$/],
      [{ teachers: [join(t.dir, 'transferal')] }, /^Teacher 1: .* is not a file$/],
      [{ test: { images: join(t.dir, 'test', 'images'), masks: join(t.dir, 'no-masks') } }, /^Test masks: /],
    ];
    for (const [patch, message] of cases) {
      const reply = await call('runTransfer', { spec: { ...spec, ...patch } });
      expect(reply.ok).toBe(false);
      expect((reply as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(services.jobs.list().length).toBe(before);
  });

  it('checks each teacher card and folder as the form is filled in, naming the field in human numbers', async () => {
    const good = join(SHARED_DIR, 'teachers', 'fcn-busi.json');
    const cards = join(t.dir, 'cards');
    mkdirSync(cards, { recursive: true });
    const card = (name: string, body: unknown) => {
      writeFileSync(join(cards, name), typeof body === 'string' ? body : JSON.stringify(body));
      return join(cards, name);
    };
    const contract = {
      input: { channels: 1, height: 32, width: 32 },
      output: { kind: 'sigmoid' },
    };
    writeFileSync(join(cards, 'not-onnx.onnx'), '{"this": "is json"}');
    const paths = {
      teachers: [
        good,
        join(cards, 'missing.json'),
        card('broken.json', '{"name": '),
        card('no-model.json', { name: 'no-model', onnx: { file: 'absent.onnx' }, ...contract }),
        card('wrong-kind.json', { name: 'wrong-kind', onnx: { file: 'not-onnx.onnx' }, ...contract }),
        card('twin.json', {
          ...JSON.parse(readFileSync(good, 'utf8')),
          onnx: { file: join(SHARED_DIR, 'teachers', 'fcn-busi.onnx') },
        }),
      ],
      transferal: { images: join(t.dir, 'transferal') },
      test: { masks: join(t.dir, 'nowhere') },
      out: join(t.dir, 'a-file'),
    };
    const reply = await call('checkTransferPaths', { paths });
    expect(reply.ok).toBe(true);
    const check = (reply as { value: TransferPathsCheck }).value;
    expect(check.teachers[0]).toEqual({ name: 'fcn-busi', kind: 'onnx' });
    expect(check.teachers.slice(1, 5)).toEqual([null, null, null, null]);
    const byField = Object.fromEntries(check.problems.map((p) => [p.field, `${p.label}: ${p.message}`]));
    expect(Object.keys(byField)).toEqual([
      'teachers.1',
      'teachers.2',
      'teachers.3',
      'teachers.4',
      'teachers.5',
      'test.masks',
      'out',
    ]);
    expect(byField['teachers.1']).toBe(`Teacher 2: ${join(cards, 'missing.json')} does not exist`);
    expect(byField['teachers.2']).toMatch(/^Teacher 3: .*broken\.json is not valid JSON/);
    expect(byField['teachers.3']).toBe(
      `Teacher 4: ${join(cards, 'no-model.json')}: its model file ${join(cards, 'absent.onnx')} does not exist`,
    );
    expect(byField['teachers.4']).toMatch(
      /^Teacher 5: .*its model file .*not-onnx\.onnx is not an ONNX model$/,
    );
    expect(byField['teachers.5']).toBe(
      'Teacher 6: named "fcn-busi" like teacher 1: give each card its own name',
    );
    expect(byField['test.masks']).toBe(`Test masks: ${join(t.dir, 'nowhere')} does not exist`);
    expect(byField.out).toBe(`Output folder: ${join(t.dir, 'a-file')} is a file, not a folder`);
    // Fields left out are not checked; a relative path is named.
    const partial = await call('checkTransferPaths', { paths: { out: 'relative' } });
    expect((partial as { value: TransferPathsCheck }).value.problems).toEqual([
      { field: 'out', label: 'Output folder', message: 'relative must be an absolute path' },
    ]);
  });

  it('refuses another spec over a finished run before starting a job, with the choices as detail', async () => {
    const before = services.jobs.list().length;
    const reply = await call('runTransfer', { spec: { ...spec, seed: 2 } });
    expect(reply.ok).toBe(false);
    const error = (reply as { error: { code: string; message: string; detail: Record<string, unknown> } })
      .error;
    expect(error.message).toMatch(/holds an earlier run of a different spec \(finished: pseudo-label, train/);
    expect(error.detail).toMatchObject({
      conflict: 'different-spec',
      out: spec.out,
      spec: join(spec.out, 'spec.json'),
    });
    expect(services.jobs.list().length).toBe(before);
    // With a project open, the finished run is kept in it.
    expect((await call('createProject', { parentDir: t.dir, name: 'kept' })).ok).toBe(true);
    // "Continue the earlier run": its spec file loads, and running it is accepted (nothing to redo).
    const earlier = await call('loadTransferSpec', { path: join(spec.out, 'spec.json') });
    expect(earlier.ok).toBe(true);
    const again = await call('runTransfer', { spec: (earlier as { value: TransferSpecInput }).value });
    expect(again.ok).toBe(true);
    const done = await services.jobs.wait((again as { value: JobProgress }).value.jobId);
    expect(done.state).toBe('done');
    expect((done.result as unknown as TransferSummary).resumed).toEqual([
      'pseudo-label',
      'train',
      'evaluate',
      'export',
      'report',
    ]);
    const runs = await call('listTransferRuns');
    const kept = (runs as { value: TransferRunRecord[] }).value;
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      name: 'api',
      out: spec.out,
      report: join(spec.out, 'report.html'),
      spec: { seed: 1, out: spec.out },
    });
    expect(kept[0]!.summary.test!.scores.map((x) => x.kind)).toEqual(['teacher', 'student']);
    // The final progress event says the run is over: no stale "writing the report" after "done".
    expect(done.phase).toBe('5/5 report: all stages done');
  }, 60_000);

  it('does not let a run that failed before finishing a stage block its folder', async () => {
    const empty = join(t.dir, 'no-images');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'notes.txt'), 'not an image');
    const out = join(t.dir, 'out-failed');
    const failed = await call('runTransfer', { spec: { ...spec, transferal: { images: empty }, out } });
    expect(failed.ok).toBe(true);
    expect((await services.jobs.wait((failed as { value: JobProgress }).value.jobId)).state).toBe('failed');
    // The images fixed: another spec, accepted in the same folder without "start over".
    const fixed = await call('runTransfer', { spec: { ...spec, out } });
    expect(fixed.ok).toBe(true);
    const jobId = (fixed as { value: JobProgress }).value.jobId;
    await call('cancelJob', { jobId });
    expect(['cancelled', 'done']).toContain((await services.jobs.wait(jobId)).state);
  }, 60_000);

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
