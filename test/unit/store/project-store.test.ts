import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { LOCK_FILE, ProjectStore, isProjectFolder } from '../../../electron/store/project-store.js';
import { SCHEMA_VERSION } from '../../../electron/store/schema/migrations.js';
import { quantizeProbabilities } from '../../../electron/store/mask-codec.js';
import { APP_VERSION, patternMask, projectWithImage, tempDir } from './helpers.js';

function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function temp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('ProjectStore create/open/close', () => {
  it('creates a project, reports info, and reopens it', () => {
    const dir = join(temp(), 'new', 'nested');
    const store = ProjectStore.create(dir, { name: 'Liver study', appVersion: APP_VERSION });
    const info = store.info();
    expect(info.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(info).toMatchObject({
      name: 'Liver study',
      schemaVersion: SCHEMA_VERSION,
      createdWithAppVersion: APP_VERSION,
      dir,
    });
    expect(Number.isNaN(Date.parse(info.createdAt))).toBe(false);
    expect(info.counts).toEqual({
      datasets: 0,
      images: 0,
      teachers: 0,
      masks: 0,
      edits: 0,
      reviewed: 0,
      jobs: 0,
      students: 0,
      exports: 0,
    });
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    expect(isProjectFolder(dir)).toBe(true);
    store.close();
    store.close(); // idempotent
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(appError(() => store.info()).code).toBe(ErrorCode.FAILED_PRECONDITION);

    const again = ProjectStore.open(dir, { appVersion: '0.2.0' });
    expect(again.info()).toMatchObject({
      id: info.id,
      name: 'Liver study',
      createdWithAppVersion: APP_VERSION,
      lastOpenedWithAppVersion: '0.2.0',
    });
    expect(again.opened).toEqual({ migratedFrom: null, backupPath: null, interruptedJobs: 0 });
    again.close();
  });

  it('refuses to create over a project or in a non-empty folder', () => {
    const dir = temp();
    ProjectStore.create(dir, { name: 'p', appVersion: APP_VERSION }).close();
    expect(
      appError(() => ProjectStore.create(dir, { name: 'p', appVersion: APP_VERSION })).message,
    ).toContain('already holds');
    const other = temp();
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const e = appError(() => ProjectStore.create(other, { name: 'p', appVersion: APP_VERSION }));
    expect(e.code).toBe(ErrorCode.ALREADY_EXISTS);
    expect(e.message).toContain('not empty');
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
    expect(isProjectFolder(other)).toBe(false);
  });

  it('locks a project against a second owner and takes over a stale lock', () => {
    const dir = temp();
    const store = ProjectStore.create(dir, { name: 'p', appVersion: APP_VERSION });
    const e = appError(() => ProjectStore.open(dir, { appVersion: APP_VERSION }));
    expect(e.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(e.message).toBe(`The project is already open in this Apprentice (pid ${process.pid})`);
    store.close();

    // Another live process holds it: refused, naming that process.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: other.pid, host: hostname(), token: 'y', since: '' }),
      );
      const e2 = appError(() => ProjectStore.open(dir, { appVersion: APP_VERSION }));
      expect(e2.message).toBe(
        `The project is open in another Apprentice (pid ${other.pid}): close it there first`,
      );
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(other.pid); // not stolen
    } finally {
      other.kill('SIGKILL');
    }

    // A lock left by a process that died: taken over.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: dead, host: hostname(), token: 'x', since: '' }),
    );
    const reopened = ProjectStore.open(dir, { appVersion: APP_VERSION });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    reopened.close();

    // A torn (empty) lock file from a kill during its write: taken over too.
    writeFileSync(join(dir, LOCK_FILE), '');
    ProjectStore.open(dir, { appVersion: APP_VERSION }).close();
  });

  it.skipIf(process.platform !== 'linux')(
    'takes over a lock whose pid now belongs to another process (started at another time)',
    () => {
      const dir = temp();
      ProjectStore.create(dir, { name: 'p', appVersion: APP_VERSION }).close();
      // The lock records when its owner started, so a reused pid is told apart from the owner.
      const own = ProjectStore.open(dir, { appVersion: APP_VERSION });
      const mine = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { started?: string };
      expect(mine.started).toMatch(/^linux:\d+$/);
      own.close();

      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        const stat = readFileSync(`/proc/${other.pid}/stat`, 'utf8');
        const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
        // The pid is alive, but the process that wrote the lock started at another moment: stale.
        writeFileSync(
          join(dir, LOCK_FILE),
          JSON.stringify({ pid: other.pid, host: hostname(), token: 'z', since: '', started: 'linux:1' }),
        );
        const reopened = ProjectStore.open(dir, { appVersion: APP_VERSION });
        expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
        reopened.close();
        // The same pid and start time: that process still owns the project.
        writeFileSync(
          join(dir, LOCK_FILE),
          JSON.stringify({
            pid: other.pid,
            host: hostname(),
            token: 'z',
            since: '',
            started: `linux:${started}`,
          }),
        );
        expect(appError(() => ProjectStore.open(dir, { appVersion: APP_VERSION })).message).toMatch(
          /open in another Apprentice/,
        );
      } finally {
        other.kill('SIGKILL');
      }
    },
  );

  it('round-trips every kind of record through close and reopen', () => {
    const dir = temp();
    const { store, image } = projectWithImage(dir, 16, 20);
    const n = 16 * 20;
    const ds = store.datasets.byName('transferal')!;
    const second = store.images.addWithPixels(
      {
        datasetId: ds.id,
        rows: 16,
        cols: 20,
        channels: 1,
        dtype: 'uint16',
        spacing: null,
        source: {
          kind: 'dicom',
          path: '/d/ct.dcm',
          frameIndex: 3,
          seriesUid: '1.2.3',
          sopUid: '1.2.3.4',
          caseId: 'case-2',
          patientId: 'P2',
        },
        split: 'val',
        tags: ['hard', 'artifact'],
      },
      new Uint8Array(n * 2).fill(7),
    );
    store.images.setSplit([image.id], 'train');
    store.images.setIncluded([second.id], false);
    const teacher = store.teachers.add({
      name: 'unet-a',
      kind: 'onnx',
      card: { input: { layout: 'NCHW', size: [256, 256] }, output: 'sigmoid' },
    });
    const probs = quantizeProbabilities(Float32Array.from({ length: n }, (_, i) => (i % 10) / 9));
    const pm = store.masks.put(image.id, {
      kind: 'probability',
      pixels: probs,
      teacherId: teacher.id,
      params: { tta: false },
    });
    store.masks.put(image.id, {
      kind: 'pseudo_label',
      pixels: patternMask(n, 5),
      params: { fusion: 'mean', threshold: 0.5 },
    });
    const edited = patternMask(n, 9);
    store.edits.append(image.id, 'corrected', edited, { tool: 'brush', params: { radius: 4, label: 1 } });
    store.review.set(image.id, { state: 'corrected', flagged: true, note: 'check apex' });
    const job = store.jobs.create('inference', { teacherId: teacher.id });
    store.jobs.start(job.id);
    store.jobs.progress(job.id, { done: 1, total: 2, phase: 'predict', cursor: { nextImageId: second.id } });
    const student = store.students.add('student-1', { arch: 'unet', filters: [8, 16, 32] });
    store.students.addCheckpoint({
      studentId: student.id,
      jobId: job.id,
      epoch: 3,
      hash: store.content.put(new Uint8Array([1, 2, 3])),
    });
    store.metrics.record([
      { jobId: job.id, imageId: image.id, name: 'dice', value: 0.91 },
      { jobId: job.id, name: 'dice_mean', value: Number.NaN },
    ]);
    store.exports.add({
      kind: 'student_model',
      path: '/out/student',
      studentId: student.id,
      meta: { format: 'tfjs' },
    });
    store.close();

    const s = ProjectStore.open(dir, { appVersion: APP_VERSION });
    expect(s.info().counts).toEqual({
      datasets: 1,
      images: 2,
      teachers: 1,
      masks: 2,
      edits: 1,
      reviewed: 1,
      jobs: 1,
      students: 1,
      exports: 1,
    });
    expect(s.images.get(second.id)).toMatchObject({
      dtype: 'uint16',
      spacing: null,
      included: false,
      split: 'val',
      tags: ['artifact', 'hard'],
      source: {
        kind: 'dicom',
        frameIndex: 3,
        sliceIndex: null,
        seriesUid: '1.2.3',
        sopUid: '1.2.3.4',
        caseId: 'case-2',
        patientId: 'P2',
      },
    });
    expect(s.images.get(image.id)).toMatchObject({ spacing: [0.7, 0.7], split: 'train', included: true });
    expect(s.images.list({ split: 'train' }).map((i) => i.id)).toEqual([image.id]);
    expect(s.images.list({ tag: 'hard' }).map((i) => i.id)).toEqual([second.id]);
    expect(s.images.cases(ds.id)).toEqual([
      { caseId: 'case-1', images: 1 },
      { caseId: 'case-2', images: 1 },
    ]);
    expect(s.images.pixels(second.id)).toEqual(new Uint8Array(n * 2).fill(7));
    expect(s.teachers.byName('unet-a')?.card).toEqual({
      input: { layout: 'NCHW', size: [256, 256] },
      output: 'sigmoid',
    });
    expect(s.masks.read(s.masks.probabilityMaps(image.id)[0]!)).toEqual(probs);
    expect(s.masks.latest(image.id, 'probability', teacher.id)?.id).toBe(pm.id);
    expect(s.masks.read(s.masks.latest(image.id, 'pseudo_label')!)).toEqual(patternMask(n, 5));
    expect(s.masks.latest(image.id, 'pseudo_label')?.params).toEqual({ fusion: 'mean', threshold: 0.5 });
    expect(s.edits.current(image.id, 'corrected')).toEqual(edited);
    expect(s.edits.history(image.id, 'corrected')[0]).toMatchObject({
      op: 'edit',
      tool: 'brush',
      params: { radius: 4, label: 1 },
    });
    expect(s.review.get(image.id)).toMatchObject({ state: 'corrected', flagged: true, note: 'check apex' });
    expect(s.review.counts()).toMatchObject({ corrected: 1, unreviewed: 1 });
    expect(s.review.list({ state: 'unreviewed' }).map((r) => r.imageId)).toEqual([second.id]);
    // The job was running when the store closed without finishing it: it comes back interrupted, resumable.
    expect(s.opened.interruptedJobs).toBe(1);
    expect(s.jobs.get(job.id)).toMatchObject({
      state: 'interrupted',
      done: 1,
      total: 2,
      phase: 'predict',
      cursor: { nextImageId: second.id },
    });
    expect(s.jobs.start(job.id).state).toBe('running');
    expect(s.jobs.finish(job.id, 'succeeded').finishedAt).not.toBeNull();
    expect(s.students.checkpoints(student.id)[0]).toMatchObject({ epoch: 3, jobId: job.id });
    expect(s.metrics.list({ jobId: job.id, imageId: null })).toMatchObject([
      { name: 'dice_mean', value: null },
    ]);
    expect(s.metrics.list({ imageId: image.id })).toMatchObject([{ name: 'dice', value: 0.91 }]);
    expect(s.exports.list('student_model')[0]).toMatchObject({
      path: '/out/student',
      meta: { format: 'tfjs' },
    });
    s.close();
  });

  it('refuses bad input with INVALID_ARGUMENT and leaves data unchanged', () => {
    const { store, image } = projectWithImage(temp(), 8, 8);
    expect(
      appError(() => store.masks.put(image.id, { kind: 'pseudo_label', pixels: new Uint8Array(63) })).code,
    ).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(
      appError(() => store.masks.put(image.id, { kind: 'probability', pixels: new Uint8Array(64) })).message,
    ).toContain('teacher');
    expect(appError(() => store.images.get(999)).code).toBe(ErrorCode.NOT_FOUND);
    expect(appError(() => store.datasets.add({ name: 'transferal', role: 'transferal' })).code).toBe(
      ErrorCode.ALREADY_EXISTS,
    );
    expect(appError(() => store.review.set(image.id, { state: 'maybe' as never })).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(appError(() => store.jobs.create('x', cyclic)).code).toBe(ErrorCode.INVALID_ARGUMENT);
    // Same source imported twice is refused (import is idempotent through findBySource).
    const dup = { ...image, source: image.source, datasetId: image.datasetId };
    expect(appError(() => store.images.add(dup)).code).toBe(ErrorCode.ALREADY_EXISTS);
    expect(store.images.findBySource(image.datasetId, '/data/a.png')?.id).toBe(image.id);
    expect(store.info().counts).toMatchObject({ images: 1, masks: 0, jobs: 0, datasets: 1 });
    store.close();
  });

  it('gc removes orphan blobs only', () => {
    const { store, image } = projectWithImage(temp(), 8, 8);
    store.edits.append(image.id, 'corrected', patternMask(64, 2), { tool: 'brush' });
    const orphan = store.content.put(new Uint8Array([9, 9, 9]));
    mkdirSync(join(store.content.root, 'zz'), { recursive: true });
    writeFileSync(join(store.content.root, 'zz', '.leftover.tmp'), 'x');
    expect(store.gc().removed).toBe(0); // too young
    const res = store.gc({ minAgeMs: -1000 });
    expect(res).toMatchObject({ removed: 2 });
    expect(store.content.has(orphan)).toBe(false);
    expect(store.content.has(image.pixelHash)).toBe(true);
    expect(store.edits.current(image.id, 'corrected')).toEqual(patternMask(64, 2));
    store.close();
  });

  it('reports a damaged content blob instead of returning it', () => {
    const { store, image } = projectWithImage(temp(), 8, 8);
    const e = store.edits.append(image.id, 'corrected', patternMask(64, 3), { tool: 'brush' });
    writeFileSync(store.content.pathOf(e.maskHash!), 'garbage');
    const err = appError(() => store.edits.current(image.id, 'corrected'));
    expect(err.code).toBe(ErrorCode.BAD_FILE);
    expect(err.message).toContain(e.maskHash!);
    store.close();
  });
});
