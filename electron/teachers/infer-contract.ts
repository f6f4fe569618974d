/**
 * A teacher given as a bare ONNX file: its contract is read from the model where the model says it
 * (layout, size and channels from the input shape; output channels from the output shape; output kind
 * from what the model returns on a probe input) and the rest is taken from the user's hints or the common
 * default (pixel/255, stretch). Everything that was assumed is listed, so the preview can show it.
 */
import * as ort from 'onnxruntime-node';
import { resolve } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { fileStem } from '../util/files.js';
import { parseTeacherCard, readModelFile, type TeacherCard } from './card.js';
import type { InputContract, Layout, OutputKind, ResizePolicy } from './contract.js';
import { createOnnxSession } from './onnx-runner.js';
import { inputLength, preprocess } from './preprocess.js';

export interface ContractHints {
  layout?: Layout;
  height?: number;
  width?: number;
  resize?: ResizePolicy;
  scale?: number;
  mean?: number[];
  std?: number[];
  outputKind?: OutputKind;
  foregroundChannel?: number;
}

export interface InferredCard {
  card: TeacherCard;
  /** Human-readable list of what was not read from the model or given by the user. */
  assumed: string[];
}

type Dim = number | string;
const isChannels = (d: Dim | undefined) => d === 1 || d === 3;

function layoutOf(shape: readonly Dim[], hint: Layout | undefined): Layout {
  if (hint) return hint;
  if (isChannels(shape[1]) && !isChannels(shape[3])) return 'NCHW';
  if (isChannels(shape[3]) && !isChannels(shape[1])) return 'NHWC';
  return 'NCHW';
}

/** Logits if any score is outside [0, 1]; softmax if channels sum to 1 everywhere; else sigmoid. */
export function guessOutputKind(data: Float32Array, dims: readonly number[], layout: Layout): OutputKind {
  let outside = false;
  for (let i = 0; i < data.length && !outside; i++) if (!(data[i]! >= 0 && data[i]! <= 1)) outside = true;
  if (outside) return 'logits';
  const C = dims.length === 4 ? (layout === 'NCHW' ? dims[1]! : dims[3]!) : 1;
  if (C < 2) return 'sigmoid';
  const hw = data.length / dims[0]! / C;
  for (let n = 0; n < dims[0]!; n++)
    for (let i = 0; i < hw; i++) {
      let s = 0;
      for (let c = 0; c < C; c++)
        s += layout === 'NCHW' ? data[n * C * hw + c * hw + i]! : data[(n * hw + i) * C + c]!;
      if (Math.abs(s - 1) > 1e-3) return 'sigmoid';
    }
  return 'softmax';
}

export async function inferOnnxCard(modelPath: string, hints: ContractHints = {}): Promise<InferredCard> {
  const assumed: string[] = [];
  const bytes = readModelFile({ name: fileStem(modelPath), modelPath: resolve(modelPath) });
  const session = await createOnnxSession(bytes, modelPath, { threads: 1 });
  try {
    const im = session.inputMetadata[0]!;
    const om = session.outputMetadata[0]!;
    const shape = (im.isTensor ? im.shape : []) as readonly Dim[];
    if (shape.length !== 4)
      throw new AppError(
        ErrorCode.UNSUPPORTED,
        `${modelPath}: input "${im.name}" has ${shape.length} axes; a 2-D segmentation model has 4`,
        {
          path: modelPath,
        },
      );
    const layout = layoutOf(shape, hints.layout);
    if (!hints.layout) assumed.push(`layout ${layout} (from the input shape [${shape.join(', ')}])`);
    const [cD, hD, wD] = layout === 'NCHW' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
    const height = hints.height ?? (typeof hD === 'number' ? hD : undefined);
    const width = hints.width ?? (typeof wD === 'number' ? wD : undefined);
    if (height === undefined || width === undefined)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `${modelPath}: the model does not fix its input size: give it (e.g. --size 256x256)`,
        {
          path: modelPath,
        },
      );
    const channels = cD === 3 ? 3 : cD === 1 ? 1 : undefined;
    if (channels === undefined)
      throw new AppError(
        ErrorCode.UNSUPPORTED,
        `${modelPath}: input channels ${String(cD)} (${layout}); 1 or 3 are supported`,
        {
          path: modelPath,
        },
      );
    if (hints.scale === undefined && hints.mean === undefined)
      assumed.push('scaling x = pixel/255 (no mean/std)');
    if (hints.resize === undefined) assumed.push('resize policy stretch');
    const input = {
      name: im.name,
      layout,
      channels,
      height,
      width,
      scale: hints.scale ?? 1 / 255,
      mean: hints.mean ?? [0],
      std: hints.std ?? [1],
      resize: hints.resize ?? 'stretch',
    };
    const oshape = (om.isTensor ? om.shape : []) as readonly Dim[];
    const oc = oshape.length === 3 ? 1 : layout === 'NCHW' ? oshape[1] : oshape[3];
    let kind = hints.outputKind;
    let outChannels = typeof oc === 'number' ? oc : 1;
    if (kind === undefined) {
      const probe = await probeOutput(session, input as InputContract);
      outChannels = probe.dims.length === 4 ? (layout === 'NCHW' ? probe.dims[1]! : probe.dims[3]!) : 1;
      kind = guessOutputKind(probe.data, probe.dims, layout);
      assumed.push(`output kind ${kind} (from the values the model returns on a grey image)`);
    }
    const fg = hints.foregroundChannel ?? (outChannels > 1 ? 1 : 0);
    if (hints.foregroundChannel === undefined && outChannels > 1) assumed.push(`foreground channel ${fg}`);
    const raw = {
      name: fileStem(modelPath),
      onnx: { file: resolve(modelPath) },
      input,
      output: { name: om.name, kind, channels: outChannels, foreground_channel: fg, layout },
      inferred: assumed,
    };
    return { card: parseTeacherCard(raw, '.', modelPath), assumed };
  } finally {
    await session.release();
  }
}

async function probeOutput(
  session: ort.InferenceSession,
  c: InputContract,
): Promise<{ data: Float32Array; dims: number[] }> {
  const x = new Float32Array(inputLength(c));
  const grey = {
    name: 'probe',
    rows: c.height,
    cols: c.width,
    channels: 1 as const,
    pixels: new Uint8Array(c.height * c.width).fill(128),
  };
  preprocess(grey, c, x, 0);
  const dims = c.layout === 'NCHW' ? [1, c.channels, c.height, c.width] : [1, c.height, c.width, c.channels];
  const out = (await session.run({ [c.name!]: new ort.Tensor('float32', x, dims) }))[
    session.outputNames[0]!
  ]!;
  return { data: out.data as Float32Array, dims: [...out.dims] };
}
