/**
 * The model card of an exported student, in the format of the teacher cards (../shared/teachers/*.json):
 * the same `onnx`, `input` and `output` blocks (NCHW, scaling, resize policy and its inverse, logits and
 * the mask rule), so that the exported folder can be imported back as a teacher and run by anyone from the
 * card alone. Training recipe, data summary, teachers, metrics and software versions follow.
 */
import type { TrainingRecord } from '../run.js';
import type { OnnxCheck } from './onnx-verify.js';

export interface CardInputs {
  name: string;
  architecture: string;
  parameters: number;
  appVersion: string;
  onnx: { file: string; bytes: number; sha256: string; opset: number; irVersion: number };
  tfjs: { dir: string; files: string[] };
  training: TrainingRecord | null;
  geometry: { size: number; channels: number; classes: number };
  onnxCheck: OnnxCheck;
  software: Record<string, string>;
}

const RESIZE = (s: number) =>
  `stretch-resize to ${s}x${s} (aspect ratio NOT preserved) with bilinear interpolation, half-pixel centres, no antialiasing (torch F.interpolate(mode="bilinear", align_corners=False) == cv2.INTER_LINEAR). Inverse: bilinear-resize the output map to H x W.`;

export function buildModelCard(c: CardInputs): Record<string, unknown> {
  const { size, channels, classes } = c.geometry;
  const t = c.training;
  const binary = classes === 1;
  const augment = t?.options.augment;
  return {
    name: c.name,
    architecture: c.architecture,
    parameters: c.parameters,
    framework: `tensorflow.js ${c.software['tfjs-layers'] ?? ''} (Apprentice ${c.appVersion})`.replace(
      '  ',
      ' ',
    ),
    onnx: {
      file: c.onnx.file,
      bytes: c.onnx.bytes,
      sha256: c.onnx.sha256,
      opset: c.onnx.opset,
      dynamic_axes: 'batch (axis 0) on input and output',
      ir_version: c.onnx.irVersion,
    },
    // Not under "tfjs": a teacher card names exactly one model (the ONNX file); this is the same network for TF.js users.
    tfjs_layers: {
      dir: c.tfjs.dir,
      model_json: `${c.tfjs.dir}/model.json`,
      files: c.tfjs.files,
      layout: 'NHWC',
      note: 'same weights as the ONNX file; input N x H x W x C, output N x H x W x classes, same scaling and resize',
    },
    input: {
      name: 'input',
      layout: 'NCHW',
      channels,
      height: size,
      width: size,
      dtype: 'float32',
      color:
        channels === 1
          ? 'grey (RGB sources converted with ITU-R 601-2 luma)'
          : 'RGB (grey sources repeated on the three channels)',
      scaling:
        'x = pixel/255 (float32 in [0,1]) for 8-bit images; images of other bit depths are min-max scaled per image to [0,1]',
      scale: 1 / 255,
      mean: Array(channels).fill(0),
      std: Array(channels).fill(1),
      resize_policy: RESIZE(size),
      resize: 'stretch',
    },
    output: {
      kind: 'logits',
      ...(binary
        ? {
            channels: 1,
            foreground_channel: 0,
            to_probability: 'sigmoid(output)',
            mask_rule: 'sigmoid(output) > 0.5  (== output > 0)',
          }
        : {
            channels: classes,
            foreground_channel: 1,
            to_probability: 'softmax(output, axis=1)',
            mask_rule: 'argmax over channels; class 0 = background',
          }),
      name: 'output',
      layout: 'NCHW',
      height: size,
      width: size,
      dtype: 'float32',
      resolution: `same as the input grid (${size}x${size}); map back with the inverse of the resize policy`,
    },
    trained_on: t?.data.source ?? 'unknown (model imported from elsewhere)',
    training: t
      ? {
          split:
            'foldsFile' in t.data.split
              ? `fold ${t.data.split.fold} of ${t.data.split.foldsFile} is validation`
              : 'valIds' in t.data.split
                ? t.data.split.description
                : `${Math.round(t.data.split.valFraction * 100)}% of cases held out for validation (seed ${t.options.seed})`,
          data_used: `${t.data.trainImages} training images (${t.data.trainCases} cases), ${t.data.valImages} validation images (${t.data.valCases} cases); targets: ${t.data.targetMode}`,
          optimizer: `Adam lr ${t.options.learningRate} (linear warm-up ${t.options.warmupSteps} steps, cosine decay to ${t.options.minLearningRate}), batch ${t.options.batchSize}`,
          loss: `${t.options.loss.bce} x BCE${t.data.targetMode === 'soft' ? ' (soft labels)' : ''} + ${t.options.loss.dice} x soft Dice (batch-global, smooth 1)`,
          augmentation: augment
            ? `hflip ${augment.hflip}, vflip ${augment.vflip}, rotation +-${augment.rotateDeg} deg, scale +-${augment.scale * 100}%, contrast +-${augment.contrast * 100}%, brightness +-${augment.brightness}, gamma +-${augment.gamma * 100}%`
            : 'none',
          epochs: t.result.epochsRun,
          cpu_minutes: Math.round((t.result.seconds / 60) * 10) / 10,
          checkpoint: `best validation Dice (epoch ${t.result.bestEpoch ?? '-'}); early stopping patience ${t.options.patience}`,
          seed: t.options.seed,
          freeze_encoder: t.options.freezeEncoder,
        }
      : null,
    teachers: t?.teachers ?? [],
    metrics: t
      ? {
          val_dice: t.result.bestValDice,
          val_iou: t.result.bestValIou,
          note: 'mean per-image Dice/IoU on the validation split at the model grid, mask = sigmoid > 0.5; empty truth and prediction = 1',
          history: t.result.history,
        }
      : null,
    onnx_check: c.onnxCheck,
    software: c.software,
    apprentice: t?.model ?? null,
  };
}
