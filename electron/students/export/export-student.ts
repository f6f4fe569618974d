/**
 * Export of a trained student as files to take elsewhere, into OUT/:
 *   NAME.onnx  the network (NCHW, opset 13), checked against tfjs in onnxruntime before anything is written
 *   tfjs/      the TF.js layers model (model.json + shards)
 *   NAME.json  the model card (teacher-card format), written last
 * The output folder is checked for writability first; every file is replaced atomically, so a failed
 * export leaves what was there before.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { StudentExportSummary } from '../../../shared/dto.js';
import { resolveModelDir } from '../evaluate-run.js';
import { ensureWritableDir, TRAINING_JSON } from '../outputs.js';
import { modelGeometry } from '../predict.js';
import type { TrainingRecord } from '../run.js';
import * as tf from '../../engine/tf.js';
import { inferenceModel } from '../../engine/zoo/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { readJsonText } from '../../util/text-file.js';
import { buildModelCard } from './model-card.js';
import { compareOnnxWithTfjs } from './onnx-verify.js';
import { modelToOnnx, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-writer.js';
import { readLayersModel, writeLayersModel } from './tfjs-layers.js';

export interface ExportRequest {
  /** A training output folder (OUT with model/ and training.json) or a model folder. */
  student: string;
  out: string;
  name?: string;
  appVersion: string;
}

/** What an export wrote: the result of an 'export' job, declared with the job protocol. */
export type ExportResult = StudentExportSummary;

function describeArch(model: Record<string, unknown> | undefined): string {
  if (!model || typeof model.arch !== 'string' || model.arch === 'imported')
    return 'imported TF.js layers model';
  const levels = Array.from({ length: Number(model.depth) + 1 }, (_, i) => Number(model.width) * 2 ** i).join(
    '-',
  );
  const bn = model.batchNorm ? ', BatchNorm' : '';
  switch (model.arch) {
    case 'deeplabv3+':
      return `DeepLabv3+-lite: residual encoder to output stride 8 (width ${String(model.width)}), ${String(model.depth)} atrous residual block(s), ASPP (1x1, rates 2/4/6, image pooling), decoder at stride 4, x4 bilinear up-sampling${bn}`;
    case 'unet++':
      return `UNet++ (nested dense skips), filters ${levels}${model.deepSupervision ? ', deep supervision (exported: final head)' : ''}${bn}`;
    default:
      return `${String(model.arch)}, filters ${levels}, 2x(conv3x3${model.batchNorm ? '-BN' : ''}-ReLU) blocks, 2x2 transposed-conv up-sampling, 1x1 conv head`;
  }
}

export async function exportStudent(req: ExportRequest): Promise<ExportResult> {
  const out = ensureWritableDir(req.out, 'export folder');
  const modelDir = resolveModelDir(req.student);
  const recordPath = [join(req.student, TRAINING_JSON), join(modelDir, '..', TRAINING_JSON)].find((p) =>
    existsSync(p),
  );
  let training: TrainingRecord | null = null;
  if (recordPath) {
    try {
      training = readJsonText(recordPath, 'a training record') as TrainingRecord;
    } catch (err) {
      if (err instanceof AppError) throw err; // names file, line and column, without quoting the file
      throw new AppError(ErrorCode.BAD_FILE, `${recordPath} is damaged`, { path: recordPath });
    }
  }
  const name = (req.name ?? training?.name ?? 'student').replace(/[^\w.-]+/g, '_');
  const { model: loaded } = await readLayersModel(modelDir);
  const model = inferenceModel(loaded);
  try {
    const geometry = modelGeometry(model);
    const onnxBytes = await modelToOnnx(model, {
      producerVersion: req.appVersion,
      docString: `Apprentice student ${name}`,
      metadata: { card: `${name}.json` },
    });
    const onnxCheck = await compareOnnxWithTfjs(onnxBytes, model);
    if (!onnxCheck.passed)
      throw new AppError(
        ErrorCode.INTERNAL,
        `The ONNX export differs from the TF.js model by ${onnxCheck.max_abs_diff} (limit ${onnxCheck.tolerance}); nothing was written`,
      );
    const tfjsFiles = await writeLayersModel(join(out, 'tfjs'), model, { name });
    writeFileAtomic(join(out, `${name}.onnx`), onnxBytes);
    const software = {
      ...(training?.software ?? {}),
      'tfjs-core': tf.version_core,
      'tfjs-layers': tf.version_layers,
      node: process.versions.node,
      apprentice: req.appVersion,
    };
    const card = buildModelCard({
      name,
      architecture: describeArch(training?.model),
      parameters: model.countParams(),
      appVersion: req.appVersion,
      onnx: {
        file: `${name}.onnx`,
        bytes: onnxBytes.byteLength,
        sha256: createHash('sha256').update(onnxBytes).digest('hex'),
        opset: ONNX_OPSET,
        irVersion: ONNX_IR_VERSION,
      },
      tfjs: { dir: 'tfjs', files: tfjsFiles },
      training,
      geometry: { size: geometry.size, channels: geometry.inChannels, classes: geometry.classes },
      onnxCheck,
      software,
    });
    const cardPath = join(out, `${name}.json`);
    writeFileAtomic(cardPath, JSON.stringify(card, null, 1));
    return {
      name,
      out,
      card: cardPath,
      onnx: join(out, `${name}.onnx`),
      tfjs: join(out, 'tfjs'),
      parameters: model.countParams(),
      onnxCheck,
    };
  } finally {
    loaded.dispose();
  }
}
