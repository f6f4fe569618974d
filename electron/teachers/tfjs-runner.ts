/**
 * TF.js teachers, layers models and graph models (tfjs-converter output): model.json + shards loaded
 * through the file IOHandler, run on whichever tfjs backend the engine chose. The card's input contract is
 * checked against the model's input shape before anything runs.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import * as tf from '../engine/tf.js';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { TeacherCard } from './card.js';
import type { InputContract } from './contract.js';
import type { OnnxOptions } from './onnx-runner.js';
import { TensorTeacher, type TensorModel } from './runner.js';
import { fileLoadHandler } from './tfjs-io.js';

export function checkTfjsInput(
  shape: readonly (number | null)[],
  c: InputContract,
  what: string,
): number | null {
  if (shape.length !== 4)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: the model input has ${shape.length} axes, the card describes 4 (${c.layout})`,
      {
        shape: [...shape],
      },
    );
  const [, a, b, d] = shape;
  const want =
    c.layout === 'NCHW' ? { channels: a, height: b, width: d } : { height: a, width: b, channels: d };
  for (const [k, v] of Object.entries(want) as [keyof typeof want, number | null | undefined][])
    if (typeof v === 'number' && v !== c[k])
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: the card says ${k} ${c[k]} (${c.layout}) but the model input is [${shape.map((s) => s ?? 'batch').join(', ')}]`,
        { field: k, card: c[k], model: v },
      );
  return typeof shape[0] === 'number' ? shape[0] : null;
}

/**
 * One forward pass over a batch laid out as the card's input contract says; the first output is read
 * back and every tensor released, whatever `forward` throws.
 */
async function runBatch(
  input: InputContract,
  data: Float32Array,
  batch: number,
  forward: (x: tf.Tensor) => Promise<tf.Tensor | tf.Tensor[]> | tf.Tensor | tf.Tensor[],
): Promise<{ data: Float32Array; dims: number[] }> {
  const c = input;
  const dims =
    c.layout === 'NCHW' ? [batch, c.channels, c.height, c.width] : [batch, c.height, c.width, c.channels];
  const x = tf.tensor(data, dims, 'float32');
  try {
    const y = await forward(x);
    const t = Array.isArray(y) ? y[0]! : y;
    try {
      return { data: (await t.data()) as Float32Array, dims: [...t.shape] };
    } finally {
      tf.dispose(y);
    }
  } finally {
    x.dispose();
  }
}

class LayersTensorModel implements TensorModel {
  /** The engine's backend: TF.js teachers run wherever the engine computes. */
  readonly provider = tf.getBackend();

  constructor(
    private readonly model: tf.LayersModel,
    private readonly input: InputContract,
    readonly fixedBatch: number | null,
  ) {}

  run(data: Float32Array, batch: number): Promise<{ data: Float32Array; dims: number[] }> {
    return runBatch(this.input, data, batch, (x) => this.model.predict(x));
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}

/** A TF.js graph model (tfjs-converter output: model.json with a GraphDef + weight shards). */
class GraphTensorModel implements TensorModel {
  /** The engine's backend: TF.js teachers run wherever the engine computes. */
  readonly provider = tf.getBackend();

  constructor(
    private readonly model: GraphModel,
    private readonly input: InputContract,
    readonly fixedBatch: number | null,
  ) {}

  run(data: Float32Array, batch: number): Promise<{ data: Float32Array; dims: number[] }> {
    // executeAsync also runs graphs with control flow, which execute() refuses.
    return runBatch(
      this.input,
      data,
      batch,
      (x) => this.model.executeAsync(x) as Promise<tf.Tensor | tf.Tensor[]>,
    );
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}

async function loadModel(
  card: TeacherCard,
  what: string,
): Promise<{ model: TensorModelFactory; shape: readonly (number | null)[] }> {
  const handler = fileLoadHandler(card.modelPath);
  try {
    if (card.tfjsFormat === 'graph') {
      const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
      const g = await loadGraphModel(handler);
      const shape = (g.inputs[0]?.shape ?? []).map((d) => (d === -1 ? null : d));
      return { model: (input, fixed) => new GraphTensorModel(g, input, fixed), shape };
    }
    const m = await tf.loadLayersModel(handler);
    return { model: (input, fixed) => new LayersTensorModel(m, input, fixed), shape: m.inputs[0]!.shape };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${what}: ${card.modelPath} cannot be loaded as a TF.js ${card.tfjsFormat ?? 'layers'} model (${(err as Error).message})`,
      { path: card.modelPath },
    );
  }
}

type TensorModelFactory = (input: InputContract, fixedBatch: number | null) => TensorModel;

export async function openTfjsTeacher(
  card: TeacherCard,
  opts: Pick<OnnxOptions, 'batchSize'> = {},
): Promise<TensorTeacher> {
  const what = `teacher "${card.name}"`;
  const contract = card.contract!;
  const { model, shape } = await loadModel(card, what);
  let fixed: number | null;
  try {
    fixed = checkTfjsInput(shape, contract.input, what);
  } catch (err) {
    await model(contract.input, null).dispose();
    throw err;
  }
  return new TensorTeacher(
    card.name,
    'tfjs',
    contract.input,
    contract.output,
    model(contract.input, fixed),
    opts.batchSize,
  );
}
