/**
 * A file-system IOHandler for TF.js (tfjs-node, which has one, cannot be installed here): reads model.json
 * and its weight shards from disk, refusing shard paths that leave the model's folder. Also saves, so tests
 * and exports can write the standard model.json + weights.bin format.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import { makeDirs, writeFileAtomic } from '../util/atomic-write.js';
import { decodeTextFile, parseJsonText } from '../util/text-file.js';
import type { io } from '../engine/tf.js';
import { io as tfio } from '../engine/tf.js';

function readJson(path: string): io.ModelJSON {
  let bytes: Buffer;
  try {
    // A FIFO or device named as model.json would block or never end.
    if (!statSync(path).isFile())
      throw new AppError(ErrorCode.BAD_FILE, `${path} is not a regular file, so not a model.json`, { path });
    bytes = readFileSync(path);
  } catch (err) {
    throw toAppError(err);
  }
  const json = parseJsonText(decodeTextFile(bytes, path, 'a TF.js model.json'), path);
  const j = json as Partial<io.ModelJSON>;
  if (
    typeof j !== 'object' ||
    j === null ||
    typeof j.modelTopology !== 'object' ||
    !Array.isArray(j.weightsManifest)
  )
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path} is not a TF.js model.json (no modelTopology / weightsManifest)`,
      {
        path,
      },
    );
  return j as io.ModelJSON;
}

function isInsideDir(dir: string, child: string): boolean {
  const rel = relative(dir, child);
  return !rel.startsWith('..') && !isAbsolute(rel);
}

export function fileLoadHandler(modelJsonPath: string): io.IOHandler {
  const path = resolve(modelJsonPath);
  const dir = dirname(path);
  return {
    load: async () => {
      const json = readJson(path);
      return tfio.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = resolve(dir, p);
            const rel = relative(dir, file);
            if (rel.startsWith('..') || isAbsolute(rel))
              throw new AppError(
                ErrorCode.PERMISSION_DENIED,
                `${path}: weight file "${p}" is outside the model folder`,
                {
                  path,
                },
              );
            let b: Buffer;
            try {
              // Also after following links: a shard must not be a way to read files elsewhere.
              if (!isInsideDir(realpathSync(dir), realpathSync(file)))
                throw new AppError(
                  ErrorCode.PERMISSION_DENIED,
                  `${path}: weight file "${p}" is a link to outside the model folder`,
                  { path },
                );
              b = readFileSync(file);
            } catch (err) {
              throw toAppError(err);
            }
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tfio.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

export function fileSaveHandler(dir: string, weightsFile = 'weights.bin'): io.IOHandler {
  return {
    save: async (a: io.ModelArtifacts) => {
      makeDirs(dir);
      const data =
        a.weightData === undefined ? new ArrayBuffer(0) : tfio.CompositeArrayBuffer.join(a.weightData);
      writeFileAtomic(join(dir, weightsFile), new Uint8Array(data));
      const json: io.ModelJSON = {
        modelTopology: a.modelTopology as object,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: [weightsFile], weights: a.weightSpecs ?? [] }],
      };
      writeFileAtomic(join(dir, 'model.json'), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: data.byteLength,
        },
      };
    },
  };
}
