/**
 * The TF.js layers format on disk, written and read by us (tfjs' own file IO is browser- or tfjs-node
 * bound): model.json (topology + weights manifest) and weight shards of at most 4 MiB, exactly what
 * `tf.loadLayersModel('file://.../model.json')` and the Python converter expect. Every file is written
 * atomically and model.json last, so a reader never sees a model whose shards are missing. Reading checks
 * that the file is a layers model and that the shards hold exactly the bytes the manifest declares.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import '../../engine/zoo/atrous-conv.js'; // registers the zoo's custom layer for deserialisation
import * as tf from '../../engine/tf.js';
import { mkdirDurable, writeFileAtomic } from '../../util/atomic-write.js';
import { readJsonText } from '../../util/text-file.js';

const SHARD_BYTES = 4 * 1024 * 1024;
export const MODEL_JSON = 'model.json';

export interface LayersModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** The model's topology, weight specs and concatenated weight bytes (what model.save would write). */
export async function modelArtifacts(
  model: tf.LayersModel,
): Promise<{ topology: object; specs: tf.io.WeightsManifestEntry[]; data: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = captured as tf.io.ModelArtifacts | null;
  if (!a?.modelTopology || !a.weightSpecs || !a.weightData)
    throw new Error('tfjs returned no model artifacts');
  const data =
    a.weightData instanceof ArrayBuffer
      ? new Uint8Array(a.weightData)
      : new Uint8Array(tf.io.concatenateArrayBuffers(a.weightData));
  return { topology: a.modelTopology as object, specs: a.weightSpecs, data };
}

export async function writeLayersModel(
  dir: string,
  model: tf.LayersModel,
  metadata?: Record<string, unknown>,
): Promise<string[]> {
  const { topology, specs, data } = await modelArtifacts(model);
  mkdirDurable(dir);
  const n = Math.max(1, Math.ceil(data.byteLength / SHARD_BYTES));
  const paths = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
  paths.forEach((p, i) =>
    writeFileAtomic(join(dir, p), data.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES)),
  );
  const json: LayersModelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths, weights: specs }],
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
  writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json));
  return [...paths, MODEL_JSON];
}

function bytesOf(spec: tf.io.WeightsManifestEntry): number {
  const per = spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : spec.dtype === 'bool' ? 1 : 0;
  if (spec.quantization) throw new Error('quantized weights are not supported');
  if (per === 0) throw new Error(`weight dtype ${spec.dtype} is not supported`);
  return per * spec.shape.reduce((a, b) => a * b, 1);
}

/** A folder (or its model.json) -> the layers model, or an AppError naming the file and the problem. */
export async function readLayersModel(
  pathOrDir: string,
): Promise<{ model: tf.LayersModel; json: LayersModelJson }> {
  const file =
    existsSync(pathOrDir) && statSync(pathOrDir).isDirectory() ? join(pathOrDir, MODEL_JSON) : pathOrDir;
  const bad = (why: string) =>
    new AppError(ErrorCode.BAD_FILE, `${file} is not a TF.js layers model: ${why}`, { path: file });
  let json: LayersModelJson;
  try {
    json = readJsonText(file, 'a TF.js layers model') as LayersModelJson;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError(ErrorCode.NOT_FOUND, `No model at ${file}`, { path: file });
    if (err instanceof AppError) throw err; // names file, line and column, without quoting the file
    throw bad((err as Error).message.split('\n')[0]!);
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    !json.modelTopology ||
    !Array.isArray(json.weightsManifest)
  )
    throw bad(
      json && (json as { format?: string }).format === 'graph-model'
        ? 'it is a graph model'
        : 'no modelTopology/weightsManifest',
    );
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      try {
        chunks.push(readFileSync(join(dirname(file), p)));
      } catch {
        throw bad(`weight shard ${p} is missing`);
      }
    }
    specs.push(...group.weights);
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  let expected: number;
  try {
    expected = specs.reduce((n, s) => n + bytesOf(s), 0);
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (total !== expected) throw bad(`the shards hold ${total} bytes, the manifest declares ${expected}`);
  const data = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    data.set(c, off);
    off += c.byteLength;
  }
  try {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data.buffer }),
    );
    return { model, json };
  } catch (err) {
    throw bad((err as Error).message.split('\n')[0]!);
  }
}
