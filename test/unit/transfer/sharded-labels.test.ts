// Stage 1 split into shards (a cluster job array) and fused afterwards: on real images and the ONNX
// teachers, the labels, maps, review queue and fusion report equal the single run's byte for byte, for
// uneven shards and for more shards than images; and the fusing run refuses what it must (a missing
// shard, another spec's shard, a damaged or foreign manifest, a folder that changed since).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import type { TransferSpec, TransferSpecInput } from '../../../shared/transfer.js';
import { loadTeacherCard } from '../../../electron/teachers/card.js';
import { openTeacher } from '../../../electron/teachers/open.js';
import type { TeacherRunner } from '../../../electron/teachers/runner.js';
import { pseudoLabel, type PseudoLabelResult } from '../../../electron/transfer/pseudo-label.js';
import { RunState } from '../../../electron/transfer/run-state.js';
import { fuseShards, labelShard } from '../../../electron/transfer/sharded-labels.js';
import { shardFile } from '../../../electron/transfer/shards.js';
import { parseSpec } from '../../../electron/transfer/spec-file.js';
import { copyBusBra } from '../../helpers/data.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const CARDS = ['fcn-busi', 'unet-busi'].map((t) => join(SHARED_DIR, 'teachers', `${t}.json`));
const N_IMAGES = 5;

let t: { dir: string; cleanup: () => void };
let transferal: string;
let teachers: TeacherRunner[];

beforeAll(async () => {
  t = tempDir('sharded-labels-');
  transferal = copyBusBra(join(t.dir, 'set'), N_IMAGES, { masks: false }).images;
  teachers = [];
  for (const c of CARDS) teachers.push(await openTeacher(loadTeacherCard(c)));
});
afterAll(async () => {
  await Promise.all(teachers.map((r) => r.dispose()));
  t.cleanup();
});

function spec(out: string, over: Partial<TransferSpecInput> = {}): TransferSpec {
  return parseSpec({ teachers: CARDS, transferal: { images: transferal }, seed: 5, out, ...over }, t.dir);
}

/** Every file under `dir` (relative path -> bytes), the shard manifests left out. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'shards') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else files.set(`${rel}${e.name}`, readFileSync(p));
    }
  };
  walk(dir, '');
  return files;
}

function expectSameLabels(a: string, b: string, ra: PseudoLabelResult, rb: PseudoLabelResult) {
  const ta = tree(join(a, 'pseudo-labels'));
  const tb = tree(join(b, 'pseudo-labels'));
  expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
  for (const [k, bytes] of ta) expect(tb.get(k)!.equals(bytes), k).toBe(true);
  const strip = (r: PseudoLabelResult) => ({ ...r, seconds: 0, labels: '', queue: '' });
  expect(strip(rb)).toEqual(strip(ra));
}

async function sharded(out: string, count: number, over: Partial<TransferSpecInput> = {}) {
  const s = spec(out, over);
  const runs = [];
  for (let i = 1; i <= count; i++) runs.push(await labelShard(s, { index: i, count }));
  return { runs, fused: await fuseShards(s, count) };
}

describe('pseudo-labels from shards', () => {
  let single: PseudoLabelResult;
  const singleOut = () => join(t.dir, 'single');

  beforeAll(async () => {
    single = await pseudoLabel(spec(singleOut()), teachers);
  }, 120_000);

  it("equal the single run's for uneven shards (5 images in 3), with the set's 'auto' weights", async () => {
    const out = join(t.dir, 'three');
    const { runs, fused } = await sharded(out, 3);
    expect(runs.map((r) => r.files)).toEqual([1, 2, 2]);
    expect(fused.resumed).toBe(false);
    expect(fused.result.fusion).toMatchObject({ method: 'auto', images: N_IMAGES, weightsFrom: 'this-set' });
    expectSameLabels(singleOut(), out, single, fused.result);
    // The fusing run recorded the stage: the transfer goes on with training from here.
    expect(RunState.open(out, spec(out), false).done('pseudo-label')).toBe(true);
  }, 120_000);

  it('equal them with more shards than images (empty shards are shards too)', async () => {
    const out = join(t.dir, 'seven');
    const { runs, fused } = await sharded(out, 7);
    expect(runs.map((r) => r.files)).toEqual([0, 1, 1, 0, 1, 1, 1]);
    expectSameLabels(singleOut(), out, single, fused.result);
  }, 120_000);

  it('equal them for a rule fused in one pass (mean, no test-time augmentation)', async () => {
    const over = { fusion: { method: 'mean' as const } };
    const a = join(t.dir, 'mean-single');
    const b = join(t.dir, 'mean-two');
    const one = await pseudoLabel(spec(a, over), teachers);
    const { fused } = await sharded(b, 2, over);
    expectSameLabels(a, b, one, fused.result);
  }, 120_000);

  it('are taken from the ledger once done: shards and the fusing run do nothing again', async () => {
    const out = join(t.dir, 'three');
    const again = await labelShard(spec(out), { index: 2, count: 3 });
    expect(again.manifest).toBeNull();
    const fused = await fuseShards(spec(out), 3);
    expect(fused.resumed).toBe(true);
    expect(fused.result.labeled).toBe(N_IMAGES);
  });
});

describe('the fusing run refuses', () => {
  const out = () => join(t.dir, 'hostile');

  beforeAll(async () => {
    const s = spec(out());
    for (let i = 1; i <= 2; i++) await labelShard(s, { index: i, count: 2 });
  }, 120_000);

  const fuse = (over: Partial<TransferSpecInput> = {}, count = 2) => fuseShards(spec(out(), over), count);
  const manifest = (i: number) => shardFile(out(), { index: i, count: 2 });
  const keep = (i: number) => readFileSync(manifest(i));

  it('a missing shard, naming it and the command that makes it', async () => {
    await expect(fuse({}, 3)).rejects.toMatchObject({
      code: ErrorCode.FAILED_PRECONDITION,
      message: expect.stringMatching(/3 of 3 shard\(s\) have no output .*--shard 1\/3/),
    });
    const saved = keep(2);
    rmSync(manifest(2));
    try {
      await expect(fuse()).rejects.toMatchObject({ message: expect.stringContaining('(2/2)') });
    } finally {
      writeFileSync(manifest(2), saved);
    }
  });

  it("another spec's shard, naming the file", async () => {
    // Same folder, another seed: another spec, whose shards these are not.
    await expect(fuse({ seed: 6 })).rejects.toMatchObject({
      code: ErrorCode.FAILED_PRECONDITION,
      message: expect.stringMatching(/1-of-2\.json was written by another spec/),
    });
  });

  it('a damaged, truncated or foreign manifest, naming the file', async () => {
    const saved = keep(1);
    const text = saved.toString('utf8');
    const cases: [string, string | RegExp][] = [
      [text.slice(0, text.length >> 1), /1-of-2\.json/],
      ['', /1-of-2\.json/],
      ['\u0000\u0001binary', /1-of-2\.json/],
      [JSON.stringify({ format: 'something-else' }), /not a shard output this version can read/],
      [text.replace('"index":1', '"index":2'), /holds shard 2\/2, not 1\/2/],
      [text.replace(/"scores":\[[^\]]*\]/, '"scores":[0.5]'), /agreement score\(s\) for 2 teacher/],
      [text.replace(/"scores":\[[^\]]*\]/, '"scores":[-1,2]'), /not a shard output/],
      [text.replace(/"rows":\d+/, '"rows":0'), /not a shard output/],
    ];
    try {
      for (const [content, message] of cases) {
        writeFileSync(manifest(1), content);
        const err = await fuse().catch((e: unknown) => e);
        expect(err, content.slice(0, 40)).toMatchObject({ message: expect.stringMatching(message) });
        expect((err as { code: string }).code).not.toBe(ErrorCode.INTERNAL);
      }
    } finally {
      writeFileSync(manifest(1), saved);
    }
  });

  it('an image claimed by two shards', async () => {
    const one = JSON.parse(keep(1).toString('utf8')) as { mapped: { name: string }[] };
    const saved = keep(2);
    const two = JSON.parse(saved.toString('utf8')) as { mapped: { name: string }[] };
    two.mapped[0]!.name = one.mapped[0]!.name;
    writeFileSync(manifest(2), JSON.stringify(two));
    try {
      await expect(fuse()).rejects.toMatchObject({
        message: expect.stringContaining('in another shard too'),
      });
    } finally {
      writeFileSync(manifest(2), saved);
    }
  });

  it('a transferal folder that changed since the shards ran', async () => {
    const extra = join(transferal, 'zz-added.png');
    copyFileSync(join(transferal, readdirSync(transferal)[0]!), extra);
    try {
      await expect(fuse()).rejects.toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
        message: expect.stringContaining('The transferal folder changed since shard'),
      });
    } finally {
      rmSync(extra);
    }
  });

  it('a missing map, naming it', async () => {
    const dir = join(out(), 'pseudo-labels', 'maps', 'unet-busi');
    const name = readdirSync(dir)[0]!;
    const saved = readFileSync(join(dir, name));
    rmSync(join(dir, name));
    try {
      await expect(fuse()).rejects.toMatchObject({ message: expect.stringContaining(name) });
    } finally {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, name), saved);
    }
  });

  it('and after all that, fuses the intact shards', async () => {
    const r = await fuse();
    expect(r.result.labeled).toBe(N_IMAGES);
  });
});
