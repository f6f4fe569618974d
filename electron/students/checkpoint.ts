/**
 * Checkpoints of a training run, one folder per epoch under the run's checkpoint folder:
 *   epoch-0003/ model.json + shards (TF.js layers format), optimizer.bin + optimizer.json (Adam's
 *               moments and step), state.json (epoch, step, RNG state, early-stopping state, history)
 *   latest.json  which epoch folder to resume from;  best.json  which best-* folder holds the best model
 * A folder is written under a temporary name and renamed into place, then the pointer is replaced
 * atomically: a crash at any moment leaves the previous checkpoint readable and pointed to.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TrainEpochSummary } from '../../shared/jobs.js';
import { readLayersModel, writeLayersModel } from './export/tfjs-layers.js';
import { fsyncDir, mkdirDurable, writeFileAtomic } from '../util/atomic-write.js';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import * as tf from '../engine/tf.js';
import { readJsonText } from '../util/text-file.js';
import type { RngState } from './rng.js';

/** One epoch of the run's history: the shape the job result lists (shared/jobs.ts). */
export type EpochRecord = TrainEpochSummary;

export interface RunState {
  /** Epochs completed. */
  epoch: number;
  globalStep: number;
  rng: RngState;
  bestValDice: number | null;
  bestEpoch: number | null;
  badEpochs: number;
  history: EpochRecord[];
  /** Adam's beta powers, kept exactly: tfjs recomputes them with pow() on restore, which can differ in the last bit. */
  adamAcc: [number, number] | null;
  elapsedSeconds: number;
}

export interface CheckpointMeta {
  /** What was trained: the zoo config (or a description of an imported model) and the training options. */
  model: Record<string, unknown>;
  options: Record<string, unknown>;
  state: RunState;
}

interface Pointer {
  dir: string;
  epoch: number;
}

/** Writes a folder under a temp name, then renames it into place (replacing an older one of the same name). */
async function writeDirAtomic(
  parent: string,
  name: string,
  fill: (dir: string) => Promise<void>,
): Promise<string> {
  mkdirDurable(parent);
  const tmp = join(parent, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  mkdirDurable(tmp);
  try {
    await fill(tmp);
    const final = join(parent, name);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    fsyncDir(parent);
    return final;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function readPointer(dir: string, file: string): Pointer | null {
  const p = join(dir, file);
  if (!existsSync(p)) return null;
  try {
    const ptr = readJsonText(p, 'a checkpoint pointer') as Pointer;
    return typeof ptr.dir === 'string' && existsSync(join(dir, ptr.dir)) ? ptr : null;
  } catch (err) {
    if (err instanceof AppError) throw err; // names file, line and column, without quoting the file
    throw new AppError(ErrorCode.BAD_FILE, `${p} is damaged`, { path: p });
  }
}

/** Removes epoch/best folders other than the `keep` newest of that prefix and any stale temp folders. */
function prune(dir: string, prefix: string, keep: string[]): void {
  for (const name of readdirSync(dir)) {
    const stale = name.startsWith(`.${prefix}`) && name.endsWith('.tmp');
    if ((name.startsWith(prefix) && !keep.includes(name)) || stale)
      rmSync(join(dir, name), { recursive: true, force: true });
  }
}

export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  meta: CheckpointMeta,
): Promise<string> {
  const name = `epoch-${String(meta.state.epoch).padStart(4, '0')}`;
  const previous = readPointer(dir, 'latest.json');
  const path = await writeDirAtomic(dir, name, async (tmp) => {
    await writeLayersModel(tmp, model);
    const { data, specs } = await tf.io.encodeWeights(await optimizer.getWeights());
    writeFileAtomic(join(tmp, 'optimizer.bin'), new Uint8Array(data as ArrayBuffer));
    writeFileAtomic(join(tmp, 'optimizer.json'), JSON.stringify(specs));
    writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(meta, null, 1));
  });
  writeFileAtomic(
    join(dir, 'latest.json'),
    JSON.stringify({ dir: name, epoch: meta.state.epoch } satisfies Pointer),
  );
  prune(dir, 'epoch-', [name, ...(previous ? [previous.dir] : [])].slice(0, 2));
  return path;
}

export async function saveBest(dir: string, model: tf.LayersModel, meta: CheckpointMeta): Promise<string> {
  const name = `best-${String(meta.state.epoch).padStart(4, '0')}`;
  const path = await writeDirAtomic(dir, name, async (tmp) => {
    await writeLayersModel(tmp, model);
    writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(meta, null, 1));
  });
  writeFileAtomic(
    join(dir, 'best.json'),
    JSON.stringify({ dir: name, epoch: meta.state.epoch } satisfies Pointer),
  );
  prune(dir, 'best-', [name]);
  return path;
}

/** The folder of the best model so far (or of the latest checkpoint when no validation ran), or null. */
export function bestModelDir(dir: string): string | null {
  const p = readPointer(dir, 'best.json') ?? readPointer(dir, 'latest.json');
  return p ? join(dir, p.dir) : null;
}

export interface LoadedCheckpoint {
  model: tf.LayersModel;
  optimizerWeights: NamedTensor[];
  meta: CheckpointMeta;
  path: string;
}

export function hasCheckpoint(dir: string): boolean {
  return readPointer(dir, 'latest.json') !== null;
}

/** The epoch of the latest checkpoint (where a resume continues from), or null when there is none. */
export function latestCheckpointEpoch(dir: string): number | null {
  return readPointer(dir, 'latest.json')?.epoch ?? null;
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint | null> {
  const ptr = readPointer(dir, 'latest.json');
  if (!ptr) return null;
  const path = join(dir, ptr.dir);
  const { model } = await readLayersModel(path);
  let meta: CheckpointMeta;
  let optimizerWeights: NamedTensor[];
  try {
    // readJsonText's errors name the file, line and column; JSON.parse's would quote the file.
    meta = readJsonText(join(path, 'state.json'), 'a checkpoint state') as CheckpointMeta;
    const specs = readJsonText(
      join(path, 'optimizer.json'),
      'an optimizer manifest',
    ) as tf.io.WeightsManifestEntry[];
    const bytes = readFileSync(join(path, 'optimizer.bin'));
    const map = tf.io.decodeWeights(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      specs,
    );
    optimizerWeights = specs.map((s) => ({ name: s.name, tensor: map[s.name]! }));
  } catch (err) {
    model.dispose();
    throw new AppError(ErrorCode.BAD_FILE, `Checkpoint ${path} is damaged: ${(err as Error).message}`, {
      path,
    });
  }
  return { model, optimizerWeights, meta, path };
}
