/**
 * The pieces an ONNX graph is built from: nodes with typed attributes, float initializers, and the
 * layout helpers (NHWC -> NCHW permutation, TensorFlow's 'same' padding) the layer converters share.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type * as tf from '../../engine/tf.js';
import { AttrType, DataType } from './onnx-proto.js';

export interface OnnxAttr {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}
export interface OnnxNode {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: OnnxAttr[];
}
export interface OnnxInitializer {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export const ints = (name: string, v: number[]): OnnxAttr => ({ name, type: AttrType.INTS, ints: v });
export const int = (name: string, v: number): OnnxAttr => ({ name, type: AttrType.INT, i: v });
export const float = (name: string, v: number): OnnxAttr => ({ name, type: AttrType.FLOAT, f: v });
export const str = (name: string, v: string): OnnxAttr => ({
  name,
  type: AttrType.STRING,
  s: new TextEncoder().encode(v),
});

/** Permutes a row-major tensor: out axis i = in axis perm[i]. */
export function permute(
  data: Float32Array,
  shape: number[],
  perm: number[],
): { data: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = perm.length - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** TensorFlow 'same' padding along one axis: [before, after]. */
export function samePads(size: number, k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + eff - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** A tfjs size/stride option (one number or a pair) as [height, width]. */
export const pair = (v: unknown): [number, number] =>
  Array.isArray(v) ? [v[0] as number, (v[1] ?? v[0]) as number] : [v as number, v as number];

/** A layer's weights as plain arrays, in tfjs order. */
export type LayerWeights = { data: Float32Array; shape: number[] }[];

/**
 * Every layer's weights read back, by layer name. Asynchronous because a GPU backend in Node can only read
 * back that way; the converters then work on plain arrays.
 */
export async function readLayerWeights(model: tf.LayersModel): Promise<Map<string, LayerWeights>> {
  const entries = await Promise.all(
    model.layers.map(
      async (layer) =>
        [
          layer.name,
          await Promise.all(
            layer.getWeights().map(async (t) => ({ data: (await t.data()) as Float32Array, shape: t.shape })),
          ),
        ] as const,
    ),
  );
  return new Map(entries);
}

/** Collects the nodes and initializers of one graph; each method returns the name of its output. */
export class GraphWriter {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxInitializer[] = [];

  init(name: string, data: Float32Array, dims: number[]): string {
    this.inits.push({
      name,
      dims,
      data_type: DataType.FLOAT,
      raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    });
    return name;
  }

  node(op: string, name: string, input: string[], attrs: OnnxAttr[] = [], output = name): string {
    this.nodes.push({ op_type: op, name, input, output: [output], attribute: attrs });
    return output;
  }

  activation(act: string, name: string, x: string): string {
    switch (act) {
      case 'linear':
        return x;
      case 'relu':
        return this.node('Relu', name, [x]);
      case 'sigmoid':
        return this.node('Sigmoid', name, [x]);
      case 'softmax':
        return this.node('Softmax', name, [x], [int('axis', 1)]);
      default:
        throw new AppError(ErrorCode.UNSUPPORTED, `Activation "${act}" has no ONNX export`, {
          activation: act,
        });
    }
  }
}
