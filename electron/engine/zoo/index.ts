/**
 * The model zoo: named presets with sensible defaults, config validation, building (seeded) and the
 * parameter count shown before training. `inferenceModel` strips deep-supervision heads.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import * as tf from '../tf.js';
import { ARCH_BUILDERS } from './architectures.js';
import { Builder } from './builder.js';
import { ARCHS, sizeMultiple, type Arch, type ArchConfig } from './types.js';

export { ARCHS, sizeMultiple, type Arch, type ArchConfig } from './types.js';
export { AtrousConv2D } from './atrous-conv.js';

const BASE: Omit<ArchConfig, 'arch'> = {
  size: 128,
  inChannels: 1,
  classes: 1,
  width: 16,
  depth: 3,
  // BatchNorm is opt-in: tfjs' BatchNorm training kernels are pure JS and make a CPU step ~6x slower.
  batchNorm: false,
  deepSupervision: false,
  seed: 1,
};

/** Named presets: `--arch NAME` takes any of these (or an architecture name, which is its default preset). */
export const PRESETS: Record<string, Partial<ArchConfig> & { arch: Arch; description: string }> = {
  unet: {
    arch: 'unet',
    description: 'plain U-Net 16-32-64-128, no normalization: the classic encoder-decoder with skips',
  },
  'unet-bn': {
    arch: 'unet',
    batchNorm: true,
    description: 'U-Net 16-32-64-128 with BatchNorm (slower per step on CPU)',
  },
  'unet-tiny': { arch: 'unet', width: 8, depth: 2, description: 'U-Net 8-16-32 (tests, quick looks)' },
  'attention-unet': {
    arch: 'attention-unet',
    description: 'Attention U-Net 16-32-64-128, additive gates on the skips',
  },
  'residual-unet': { arch: 'residual-unet', description: 'Residual U-Net 16-32-64-128' },
  'unet++': { arch: 'unet++', description: 'UNet++ 16-32-64-128, nested skips, single head' },
  'unet++-ds': {
    arch: 'unet++',
    deepSupervision: true,
    description: 'UNet++ with deep supervision (3 heads)',
  },
  'deeplabv3+': {
    arch: 'deeplabv3+',
    depth: 2,
    description: 'DeepLabv3+-lite, output stride 8, ASPP rates 2/4/6',
  },
};

/** Resolves a preset (or architecture) name plus overrides into a full, validated config. */
export function resolveConfig(preset: string, overrides: Partial<Omit<ArchConfig, 'arch'>> = {}): ArchConfig {
  const p = PRESETS[preset];
  if (!p)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `Unknown architecture "${preset}"`, {
      allowed: Object.keys(PRESETS),
    });
  const { description: _d, ...rest } = p;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return validateConfig({ ...BASE, ...rest, ...defined } as ArchConfig);
}

export function validateConfig(c: ArchConfig): ArchConfig {
  const bad = (msg: string, field: string) => new AppError(ErrorCode.INVALID_ARGUMENT, msg, { field });
  if (!(ARCHS as readonly string[]).includes(c.arch)) throw bad(`Unknown architecture "${c.arch}"`, 'arch');
  if (c.inChannels !== 1 && c.inChannels !== 3) throw bad('Input channels must be 1 or 3', 'inChannels');
  if (!Number.isInteger(c.classes) || c.classes < 1 || c.classes > 255)
    throw bad('classes must be 1..255', 'classes');
  if (!Number.isInteger(c.width) || c.width < 1 || c.width > 512)
    throw bad('width must be an integer 1..512', 'width');
  if (!Number.isInteger(c.depth) || c.depth < 1 || c.depth > 6)
    throw bad('depth must be an integer 1..6', 'depth');
  const m = sizeMultiple(c);
  if (!Number.isInteger(c.size) || c.size < m || c.size % m !== 0 || c.size > 4096)
    throw bad(`Input size ${c.size} must be a multiple of ${m} for ${c.arch} (depth ${c.depth})`, 'size');
  if (c.deepSupervision && c.arch !== 'unet++')
    throw bad('Deep supervision is available for unet++ only', 'deepSupervision');
  if (!Number.isInteger(c.seed)) throw bad('seed must be an integer', 'seed');
  return c;
}

/** Builds the training graph (several outputs when deep supervision is on). */
export function buildModel(config: ArchConfig): tf.LayersModel {
  const c = validateConfig(config);
  const input = tf.input({ shape: [c.size, c.size, c.inChannels], name: 'image' });
  const outputs = ARCH_BUILDERS[c.arch](c, new Builder(c.seed, c.batchNorm), input);
  return tf.model({ inputs: input, outputs, name: c.arch.replace(/\W/g, '_') });
}

/** The model used for prediction and export: the last (finest) head only, sharing the weights. */
export function inferenceModel(model: tf.LayersModel): tf.LayersModel {
  if (model.outputs.length === 1) return model;
  return tf.model({
    inputs: model.inputs,
    outputs: model.outputs[model.outputs.length - 1]!,
    name: model.name,
  });
}

export function paramCount(model: tf.LayersModel): { total: number; trainable: number } {
  const count = (ws: tf.LayerVariable[]) =>
    ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  return { total: model.countParams(), trainable: count(model.trainableWeights) };
}

/** One line per preset with its parameter count (for `apprentice train --list-archs`). */
export function describePresets(
  size = 128,
): { name: string; arch: Arch; params: number; description: string }[] {
  return Object.entries(PRESETS).map(([name, p]) => {
    const model = buildModel(resolveConfig(name, { size }));
    const params = model.countParams();
    model.dispose();
    return { name, arch: p.arch, params, description: p.description };
  });
}

/**
 * Layers of the zoo's encoders (by the names the builders give them), frozen by fine-tuning with
 * `freezeEncoder`. A model from elsewhere whose names do not match has nothing frozen.
 */
export function isEncoderLayer(name: string): boolean {
  return /^(enc\d+_|pool\d+$|mid_|x\d+_0_|stem_|stage\d+_|atrous\d+_)/.test(name);
}
