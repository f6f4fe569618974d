/**
 * Stage 1 of a transfer split across processes (a cluster job array, then a dependent job):
 *
 *   labelShard   pass 1 for shard I of N: the teachers over its part of the transferal files, maps stored
 *                where the single run stores them, agreement scores in the shard's manifest (shards.ts).
 *                Writes nothing the other shards or the fusing run write: not the ledger, not the spec.
 *   fuseShards   pass 2 over the whole set once all N are done: the set's weights from every image's
 *                scores (in file order, as the single run observes them), each image fused from its
 *                stored maps, then the training targets and review queue exactly as the single run makes
 *                them. It records the stage in the ledger, so `runTransfer` goes on with training.
 *
 * The labels equal the single run's: the same stored 8-bit maps, the same scores in the same order, the
 * same fusion code (teachers whose output does not depend on which images share their batch, as the
 * bundled ONNX teachers; test/unit/transfer/sharded-labels.test.ts and test/cluster compare bytes).
 */
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TransferSpec } from '../../shared/transfer.js';
import { ensureWritableDir } from '../students/outputs.js';
import { imageFiles, readStoredMap, to255 } from '../teachers/folder-run.js';
import { fusionFor, mapsPass, teacherDirName, type MappedImage } from '../teachers/labelling/maps-pass.js';
import { fuseStored } from '../teachers/labelling/run-labelling.js';
import { writeGreyPng } from '../teachers/png.js';
import { makeDirs, writeFileAtomic } from '../util/atomic-write.js';
import { OUTPUT_DIRS, openTeachers } from './pipeline.js';
import { checkSpecPaths } from './preflight.js';
import { finishLabels, PSEUDO_DIR, type PseudoLabelResult, type StageHooks } from './pseudo-label.js';
import {
  checkEarlierRun,
  finishedStagesOf,
  replacesUnfinishedRun,
  RunState,
  SPEC_FILE,
  specFingerprint,
} from './run-state.js';
import { collectShards, newManifest, shardFile, shardRange, type Shard } from './shards.js';

export interface ShardHooks extends StageHooks {
  /** The run in OUT is being started over: ignore its ledger (a shard deletes nothing but its own). */
  fresh?: boolean;
  /** A teacher's GPU provider that failed (the teacher continues on the CPU). */
  onNotice?(message: string): void;
}

export interface ShardRun {
  shard: Shard;
  /** Transferal files in this shard (0 when N exceeds the files). */
  files: number;
  images: number;
  failed: number;
  /** The manifest written; null when the ledger says the pseudo-labels are done already. */
  manifest: string | null;
  seconds: number;
}

const MAPS_DIR = 'maps';

function cancelled(spec: TransferSpec, what: string): AppError {
  return new AppError(ErrorCode.CANCELLED, `${what} stopped; run the same command again (${spec.out})`);
}

/** Pass 1 of shard I of N (see the file comment). */
export async function labelShard(
  spec: TransferSpec,
  shard: Shard,
  hooks: ShardHooks = {},
): Promise<ShardRun> {
  const t0 = performance.now();
  await checkSpecPaths(spec);
  ensureWritableDir(spec.out, 'output folder');
  const none = { shard, files: 0, images: 0, failed: 0 };
  if (!hooks.fresh) {
    // Another spec's finished run in OUT is refused: maps written into it would corrupt it.
    checkEarlierRun(spec.out, spec);
    if (finishedStagesOf(spec.out, spec).includes('pseudo-label'))
      return { ...none, manifest: null, seconds: (performance.now() - t0) / 1000 };
  }
  const files = imageFiles(spec.transferal.images);
  const { from, to } = shardRange(files.length, shard);
  const mine = files.slice(from, to);
  const manifest = shardFile(spec.out, shard);
  // Written last: until then no manifest says this shard is done.
  rmSync(manifest, { force: true });
  const teachers = await openTeachers(spec, hooks.onNotice);
  try {
    const names = teachers.map((t) => t.name);
    const { views } = fusionFor(names, spec.fusion);
    const pass = await mapsPass(teachers, {
      files: mine,
      mapsRoot: join(spec.out, PSEUDO_DIR, MAPS_DIR),
      views,
      onProgress: (done, total) => hooks.onProgress?.('pseudo-labelling', done, total),
      throwIfCancelled: () => {
        if (hooks.signal?.aborted) throw cancelled(spec, `Shard ${shard.index}/${shard.count}`);
      },
    });
    makeDirs(dirname(manifest));
    const seconds = (performance.now() - t0) / 1000;
    writeFileAtomic(
      manifest,
      JSON.stringify(
        newManifest(
          specFingerprint(spec),
          shard,
          { total: files.length, from, names: mine.map((f) => basename(f)) },
          names,
          pass,
          seconds,
        ),
      ),
    );
    return { shard, files: mine.length, images: pass.images, failed: pass.failed, manifest, seconds };
  } finally {
    await Promise.all(teachers.map((t) => t.dispose()));
  }
}

/**
 * Pass 2 after N shards, and the rest of stage 1, recorded in the ledger (see the file comment). Taken
 * from the ledger when this spec's pseudo-labels are done already; `resumed` says so.
 */
export async function fuseShards(
  spec: TransferSpec,
  count: number,
  hooks: ShardHooks = {},
): Promise<{ result: PseudoLabelResult; resumed: boolean }> {
  const t0 = performance.now();
  await checkSpecPaths(spec);
  ensureWritableDir(spec.out, 'output folder');
  const fresh = hooks.fresh === true;
  if (!fresh) {
    checkEarlierRun(spec.out, spec);
    if (finishedStagesOf(spec.out, spec).includes('pseudo-label')) {
      const state = RunState.open(spec.out, spec, false);
      return { result: state.result<PseudoLabelResult>('pseudo-label'), resumed: true };
    }
  }
  // Every shard checked before anything in OUT changes.
  const files = imageFiles(spec.transferal.images);
  const set = collectShards(spec.out, count, specFingerprint(spec), files, (f) => basename(f));

  // As runTransfer starts over, except that the shards' maps and manifests are this run's input.
  const startOver = fresh || replacesUnfinishedRun(spec.out, spec);
  if (startOver)
    for (const d of OUTPUT_DIRS)
      if (d !== PSEUDO_DIR) rmSync(join(spec.out, d), { recursive: true, force: true });
  const state = RunState.open(spec.out, spec, startOver);
  writeFileAtomic(join(spec.out, SPEC_FILE), JSON.stringify(spec, null, 1));
  const root = join(spec.out, PSEUDO_DIR);
  for (const d of ['fused', 'labels', 'review-queue.csv'])
    rmSync(join(root, d), { recursive: true, force: true });
  const fusedDir = join(root, 'fused');
  makeDirs(fusedDir);

  const { fusion } = fusionFor(set.teachers, spec.fusion);
  for (const img of set.mapped) if (img.scores) fusion.observeScores(img.scores);
  const dirs = set.teachers.map((n) => join(root, MAPS_DIR, teacherDirName(n)));
  const outcomes = set.mapped.map(
    (m): { image: string; written: boolean; disagreement?: number; entropy?: number } => ({
      image: m.name,
      written: false,
    }),
  );
  const byName = new Map(outcomes.map((o) => [o.image, o]));
  await fuseStored<MappedImage>(
    {
      chunkSize: 8,
      readMaps: (item) =>
        Promise.all(dirs.map((d) => readStoredMap(join(d, `${item.name}.png`), item.rows, item.cols))),
      commitLabels(labels, done, total) {
        for (const l of labels) {
          const { name, rows, cols } = l.item;
          writeGreyPng(join(fusedDir, `${name}.png`), to255(l.mask), rows, cols);
          Object.assign(byName.get(name)!, { written: true }, l.uncertainty);
        }
        hooks.onProgress?.('fusing', done, total);
      },
      throwIfCancelled: () => {
        if (hooks.signal?.aborted) throw cancelled(spec, 'Transfer');
      },
    },
    fusion,
    spec.post,
    set.mapped.filter((m) => m.scores !== null),
  );
  const result = await finishLabels(
    spec,
    root,
    {
      images: set.images,
      failed: set.failed,
      errors: set.errors.map(({ image, teacher, message }) => ({
        image,
        ...(teacher !== undefined ? { teacher } : {}),
        message,
      })),
      outcomes,
      fusionReport: fusion.report(),
    },
    t0,
  );
  state.finish('pseudo-label', result);
  return { result, resumed: false };
}
