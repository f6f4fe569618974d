/**
 * A sample source served to a training worker over a MessagePort: the worker side loads the same samples
 * the owner's source holds, and an error on the owner's side arrives as the same AppError, file named.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { Sample } from '../../../electron/students/dataset.js';
import { resolveConfig } from '../../../electron/engine/zoo/index.js';
import { memorySource } from '../../../electron/students/samples/source.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../../electron/students/trainer.js';
import { runTrainingInWorker } from '../../../electron/workers/run-train-worker.js';
import { servedSource, serveSource } from '../../../electron/workers/served-source.js';
import { tempDir } from '../../helpers/temp.js';
import { tinySamples } from '../students/helpers.js';

const sample = (id: string, v: number): Sample => ({
  id,
  caseId: id,
  rows: 2,
  cols: 2,
  channels: 1,
  image: new Float32Array([v, v, v, v]),
  mask: new Uint8Array([0, 255, 0, 255]),
  spacing: null,
});

let channel: MessageChannel | null = null;
afterEach(() => {
  channel?.port1.close();
  channel = null;
});

it('loads through the port what the owner holds, in any order, and reports its errors', async () => {
  channel = new MessageChannel();
  const owned = [sample('a', 0.25), sample('b', 0.5)];
  const reads: number[] = [];
  serveSource(
    {
      refs: [...owned, { id: 'bad', caseId: 'bad' }],
      load: async (i) => {
        reads.push(i);
        if (i === 2)
          throw new AppError(ErrorCode.BAD_FILE, '/data/bad.png is truncated', { path: '/data/bad.png' });
        return owned[i]!;
      },
    },
    channel.port1,
  );
  const remote = servedSource(
    [
      { id: 'a', caseId: 'a' },
      { id: 'b', caseId: 'b' },
      { id: 'bad', caseId: 'bad' },
    ],
    channel.port2,
  );
  const [b, a] = await Promise.all([remote.load(1), remote.load(0)]);
  expect(a).toEqual(owned[0]);
  expect(b).toEqual(owned[1]);
  expect(reads.sort()).toEqual([0, 1]);
  const err = await remote.load(2).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(ErrorCode.BAD_FILE);
  expect((err as AppError).message).toMatch(/bad\.png is truncated/);
  channel.port2.close();
});

it('trains in a worker on a source that stays in this thread (as a project is served)', async () => {
  const samples = await tinySamples();
  const reads = new Set<number>();
  const inner = memorySource(samples);
  const dir = tempDir('apprentice-served-');
  try {
    const config = resolveConfig('unet-tiny', { size: 32, width: 4, depth: 2 });
    const r = await runTrainingInWorker({
      name: 'served',
      data: {
        kind: 'source',
        source: { refs: inner.refs, load: (i) => (reads.add(i), inner.load(i)) },
        description: 'six BUS-BRA images served',
      },
      model: { kind: 'zoo', config },
      options: { ...DEFAULT_TRAIN_OPTIONS, augment: null, epochs: 1, batchSize: 2 },
      split: { valIds: ['bus_0008-l'], description: 'fixed' },
      outDir: dir.dir,
      resume: false,
    });
    expect([r.trainImages, r.valImages, r.epochsRun]).toEqual([5, 1, 1]);
    expect(r.history[0]!.valDice).not.toBeNull();
    // Read here, on this side of the port: the validation image and the 2 steps x 2 images of the epoch.
    expect(reads.has(5)).toBe(true);
    expect(reads.size).toBe(5);
  } finally {
    dir.cleanup();
  }
});
