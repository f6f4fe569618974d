import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../shared/jobs.js';
import type { TrainJobRequest, TrainJobResult } from '../../../electron/students/run.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../../electron/students/trainer.js';
import { resolveConfig } from '../../../electron/engine/zoo/index.js';
import { JobManager } from '../../../electron/services/job-manager.js';
import { createNullLogger } from '../../../electron/services/logger.js';
import { startTraining } from '../../../electron/services/student-service.js';
import { tempDir } from '../../helpers/temp.js';
import { BUS_BRA, TINY_IDS } from '../students/helpers.js';

const tmp = tempDir('apprentice-service-');
afterAll(() => tmp.cleanup());

function tinyFolders(): { images: string; masks: string } {
  const images = join(tmp.dir, 'images'),
    masks = join(tmp.dir, 'masks');
  if (!existsSync(images)) {
    mkdirSync(images);
    mkdirSync(masks);
    for (const id of TINY_IDS) {
      copyFileSync(join(BUS_BRA, 'images', `${id}.png`), join(images, `${id}.png`));
      copyFileSync(join(BUS_BRA, 'masks', `${id}.png`), join(masks, `${id}.png`));
    }
  }
  return { images, masks };
}

describe('training as a job in a worker thread', () => {
  it('reports epoch/step/loss/validation Dice and time per step, can be cancelled, and resumes', async () => {
    const events: JobProgress[] = [];
    const jobs = new JobManager((e) => e.type === 'job' && events.push(e.job), createNullLogger());
    const out = join(tmp.dir, 'run');
    const request: TrainJobRequest = {
      name: 'svc',
      data: { kind: 'folders', ...tinyFolders(), caseRegex: '^(bus_\\d+)' },
      model: { kind: 'zoo', config: resolveConfig('unet-tiny', { size: 32, width: 4, depth: 2 }) },
      options: {
        ...DEFAULT_TRAIN_OPTIONS,
        augment: null,
        epochs: 40,
        batchSize: 2,
        warmupSteps: 0,
        patience: 0,
      },
      split: { valFraction: 0.25 },
      outDir: out,
      resume: false,
    };
    const started = startTraining(jobs, request);
    // Cancel once the first epoch has been validated and checkpointed.
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (existsSync(join(out, 'checkpoints', 'latest.json'))) {
          clearInterval(poll);
          jobs.cancel(started.jobId);
          resolve();
        } else if (Date.now() - t0 > 60_000) {
          clearInterval(poll);
          reject(new Error('no checkpoint within 60 s'));
        }
      }, 20);
    });
    const cancelled = await jobs.wait(started.jobId);
    expect(cancelled.state).toBe('cancelled');
    const validated = events.find((e) => e.kind === 'train' && e.detail?.valDice !== undefined);
    expect(validated?.kind === 'train' && validated.detail).toMatchObject({
      validated: true,
      epoch: 1,
      step: expect.any(Number),
      loss: expect.any(Number),
      msPerStep: expect.any(Number),
      valIou: expect.any(Number),
    });
    expect(validated!.phase).toMatch(/^epoch 1\/40/);

    const resumed = startTraining(jobs, {
      ...request,
      options: { ...request.options, epochs: 3 },
      resume: true,
    });
    const done = await jobs.wait(resumed.jobId);
    expect(done.state, done.error?.message).toBe('done');
    const r = done.result as unknown as TrainJobResult;
    expect(r.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(r.epochsRun).toBe(3);
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'training.json'))).toBe(true);
  });

  it('reports bad input from the worker as the structured error', async () => {
    const jobs = new JobManager(() => undefined, createNullLogger());
    const job = startTraining(jobs, {
      name: 'bad',
      data: { kind: 'folders', images: join(tmp.dir, 'nope'), masks: join(tmp.dir, 'nope') },
      model: { kind: 'zoo', config: resolveConfig('unet-tiny', { size: 32 }) },
      options: { ...DEFAULT_TRAIN_OPTIONS, augment: null },
      split: { valFraction: 0.2 },
      outDir: join(tmp.dir, 'bad-out'),
      resume: false,
    });
    const final = await jobs.wait(job.jobId);
    expect(final.state).toBe('failed');
    expect(final.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('nope') });
  });
});
