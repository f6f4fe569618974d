/**
 * Streamed training samples (electron/students/samples): the same batches and the same run as in memory
 * for a seed, whatever the cache size; a cache that never holds more than its budget; and a broken file
 * in a streamed folder named in the error, as loading the folder whole names it.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { initCompute } from '../../../../electron/engine/backend.js';
import { buildModel, resolveConfig } from '../../../../electron/engine/zoo/index.js';
import { DEFAULT_AUGMENT } from '../../../../electron/students/augment.js';
import { loadFolderSamples, prepare, type Prepared } from '../../../../electron/students/dataset.js';
import { runTrainingJob } from '../../../../electron/students/run.js';
import { ByteLru } from '../../../../electron/students/samples/byte-lru.js';
import { folderSource } from '../../../../electron/students/samples/folder-source.js';
import {
  DEFAULT_CACHE_BYTES,
  defaultCacheBytes,
  memorySet,
  sampleCache,
  streamingSet,
  type PreparedSet,
} from '../../../../electron/students/samples/prepared-set.js';
import { memorySource } from '../../../../electron/students/samples/source.js';
import {
  DEFAULT_TRAIN_OPTIONS,
  trainStudent,
  type TrainOptions,
} from '../../../../electron/students/trainer.js';
import { tempDir } from '../../../helpers/temp.js';
import { BUS_BRA, TINY_IDS, tinySamples } from '../helpers.js';

const SIZE = 32;
const SPEC = { size: SIZE, inChannels: 1, mode: 'binary' as const, classes: 1 };
/** Bytes of one prepared 32x32 grey sample with its target. */
const ONE = 2 * SIZE * SIZE * 4;
const tmp = tempDir('apprentice-stream-');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await initCompute();
});

const OPTS: TrainOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  augment: DEFAULT_AUGMENT,
  batchSize: 2,
  learningRate: 1e-2,
  warmupSteps: 0,
  patience: 0,
  epochs: 3,
  seed: 5,
};

async function train(data: { train: Prepared[] | PreparedSet; val: Prepared[] | PreparedSet }, dir: string) {
  const config = resolveConfig('unet-tiny', { size: SIZE, width: 4, depth: 2 });
  return trainStudent({
    createModel: () => buildModel(config),
    describe: { ...config },
    options: OPTS,
    data,
    checkpointDir: join(tmp.dir, dir),
    resume: false,
  });
}

describe('a streamed training set', () => {
  it('yields the samples the in-memory preparation makes, in the order asked, from any cache', async () => {
    const samples = await tinySamples();
    const inMemory = prepare(samples, SIZE, 1, 'binary', 1);
    for (const budget of [0, ONE, 100 * ONE]) {
      const set = streamingSet(memorySource(samples), [...samples.keys()], SPEC, sampleCache(budget));
      for (const batch of [[3, 1], [0, 5, 2], [4], [1, 3]]) {
        set.prefetch(batch.map((k) => (k + 1) % samples.length));
        expect(await set.get(batch)).toEqual(batch.map((k) => inMemory[k]));
      }
    }
  });

  it('trains to the same losses, Dice and history for a seed as in memory, with no cache, a tiny or a large one', async () => {
    const samples = await tinySamples();
    const ref = await train(
      {
        train: prepare(samples.slice(0, 4), SIZE, 1, 'binary', 1),
        val: prepare(samples.slice(4), SIZE, 1, 'binary', 1),
      },
      'memory',
    );
    expect(ref.history).toHaveLength(3);
    const source = memorySource(samples);
    for (const budget of [0, ONE, 100 * ONE]) {
      const cache = sampleCache(budget);
      const r = await train(
        {
          train: streamingSet(source, [0, 1, 2, 3], SPEC, cache),
          val: streamingSet(source, [4, 5], SPEC, cache),
        },
        `stream-${budget}`,
      );
      // Seconds differ from run to run; everything learned must not.
      const learned = (h: typeof ref.history) => h.map(({ seconds: _s, ...rest }) => rest);
      expect(learned(r.history)).toEqual(learned(ref.history));
      expect(r.bestValDice).toBe(ref.bestValDice);
    }
  });

  it('never holds more than its byte budget, and reads again what it had to drop', async () => {
    const samples = await tinySamples();
    const budget = 2.5 * ONE;
    const cache = sampleCache(budget);
    const set = streamingSet(memorySource(samples), [...samples.keys()], SPEC, cache);
    for (let epoch = 0; epoch < 4; epoch++)
      for (let k = 0; k < samples.length; k += 2) {
        set.prefetch([(k + 2) % 6, (k + 3) % 6]);
        await set.get([k, k + 1]);
        expect(cache.bytes).toBeLessThanOrEqual(budget);
      }
    expect(cache.peakBytes).toBeLessThanOrEqual(budget);
    expect(cache.size).toBe(2);
    // Six samples cycled through room for two: most were read more than once.
    expect(set.loads).toBeGreaterThan(2 * samples.length);
    const big = streamingSet(memorySource(samples), [...samples.keys()], SPEC, sampleCache(100 * ONE));
    for (let epoch = 0; epoch < 3; epoch++) await big.get([0, 1, 2, 3, 4, 5]);
    expect(big.loads).toBe(samples.length);
  });

  it('evicts the least recently used entry first and keeps nothing larger than the budget', () => {
    const lru = new ByteLru<string, Uint8Array>(10, (v) => v.length);
    lru.set('a', new Uint8Array(4));
    lru.set('b', new Uint8Array(4));
    expect(lru.get('a')).toBeDefined(); // a is now the most recent
    lru.set('c', new Uint8Array(4)); // b goes
    expect([lru.get('a') !== undefined, lru.get('b') !== undefined, lru.get('c') !== undefined]).toEqual([
      true,
      false,
      true,
    ]);
    lru.set('huge', new Uint8Array(11));
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.bytes).toBe(8);
    expect(() => new ByteLru(-1, () => 0)).toThrow(/budget/);
  });

  it('lists a folder without reading a pixel, then reads each pair on demand', async () => {
    const images = join(tmp.dir, 'list-img'),
      masks = join(tmp.dir, 'list-msk');
    mkdirSync(images);
    mkdirSync(masks);
    for (const id of TINY_IDS.slice(0, 2)) {
      copyFileSync(join(BUS_BRA, 'images', `${id}.png`), join(images, `${id}.png`));
      copyFileSync(join(BUS_BRA, 'masks', `${id}.png`), join(masks, `${id}.png`));
    }
    // A file that is not an image at all: listing succeeds (no pixel read), loading names it.
    writeFileSync(join(images, 'zz-junk.png'), 'not a png');
    writeFileSync(join(masks, 'zz-junk.png'), 'not a png');
    const { source } = folderSource(images, masks);
    expect(source.refs.map((r) => r.id)).toEqual([...TINY_IDS.slice(0, 2), 'zz-junk']);
    const first = await source.load(0);
    expect(first.imagePath).toMatch(/bus_0005-l\.png$/);
    await expect(source.load(2)).rejects.toThrow(/zz-junk\.png/);
  });
});

describe('a broken file in a streamed folder', () => {
  function folderWith(name: string, bytes: Uint8Array | string): { images: string; masks: string } {
    const images = join(tmp.dir, `${name}-img`),
      masks = join(tmp.dir, `${name}-msk`);
    mkdirSync(images);
    mkdirSync(masks);
    for (const id of TINY_IDS.slice(0, 4)) {
      copyFileSync(join(BUS_BRA, 'images', `${id}.png`), join(images, `${id}.png`));
      copyFileSync(join(BUS_BRA, 'masks', `${id}.png`), join(masks, `${id}.png`));
    }
    writeFileSync(join(images, 'bus_0007-r.png'), bytes);
    copyFileSync(join(BUS_BRA, 'masks', 'bus_0007-r.png'), join(masks, 'bus_0007-r.png'));
    return { images, masks };
  }
  const config = resolveConfig('unet-tiny', { size: SIZE, width: 4, depth: 2 });
  const job = (f: { images: string; masks: string }, out: string) =>
    runTrainingJob({
      name: out,
      data: { kind: 'folders', ...f },
      model: { kind: 'zoo', config },
      options: { ...OPTS, epochs: 1 },
      split: { valIds: ['bus_0005-l'], description: 'fixed' },
      outDir: join(tmp.dir, out),
      resume: false,
    });

  const png = encode({ width: 64, height: 64, data: new Uint8Array(64 * 64), channels: 1, depth: 8 });
  for (const [what, bytes] of [
    ['truncated', png.subarray(0, Math.floor(png.length / 2))],
    ['hostile', 'GIF89a\u0000\u0000 definitely not pixels'],
  ] as const) {
    it(`stops training with an error naming the ${what} file, as loading the folder whole does`, async () => {
      const f = folderWith(what, bytes);
      const whole = loadFolderSamples(f.images, f.masks);
      await expect(whole).rejects.toThrow(/bus_0007-r\.png/);
      const error = await whole.catch((e: Error) => e.message);
      await expect(job(f, `broken-${what}`)).rejects.toThrow(error as string);
    });
  }

  it('names both files when a streamed mask does not fit its image', async () => {
    const f = folderWith('mismatch', '');
    copyFileSync(join(BUS_BRA, 'images', 'bus_0007-r.png'), join(f.images, 'bus_0007-r.png'));
    writeFileSync(join(f.masks, 'bus_0007-r.png'), png);
    await expect(job(f, 'broken-mismatch')).rejects.toThrow(
      /Mask .*mismatch-msk\/bus_0007-r\.png is 64x64 but its image .*bus_0007-r\.png/,
    );
  });
});

it('takes its default budget from APPRENTICE_SAMPLE_CACHE_MB, and names the variable when it is not a size', () => {
  expect(defaultCacheBytes({})).toBe(DEFAULT_CACHE_BYTES);
  expect(defaultCacheBytes({ APPRENTICE_SAMPLE_CACHE_MB: '64' })).toBe(64 * 2 ** 20);
  expect(defaultCacheBytes({ APPRENTICE_SAMPLE_CACHE_MB: '0' })).toBe(0);
  for (const bad of ['-1', 'lots', 'NaN'])
    expect(() => defaultCacheBytes({ APPRENTICE_SAMPLE_CACHE_MB: bad })).toThrow(
      /APPRENTICE_SAMPLE_CACHE_MB .*"/,
    );
});

it('memorySet hands back what it holds', async () => {
  const p = prepare((await tinySamples()).slice(0, 2), SIZE, 1, 'binary', 1);
  expect(await memorySet(p).get([1, 0])).toEqual([p[1], p[0]]);
});
