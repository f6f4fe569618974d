/**
 * Writes a tfjs layers model of the zoo's layer types as an ONNX model (opset 13, IR 7) in NCHW, the
 * layout of the teacher models, so an exported student runs anywhere ONNX does (onnxruntime, PyTorch
 * tooling) and can be imported back as a teacher. Layers map one-to-one (conv + fused activation -> Conv
 * then Relu/Sigmoid); 'same' padding becomes explicit pads with TensorFlow's rule (extra pixel at the end).
 * A layer type outside the zoo's set is refused by name rather than approximated.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type * as tf from '../../engine/tf.js';
import { AttrType, DataType, onnxType } from './onnx-proto.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

interface Attr {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}
interface Node {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attr[];
}
interface Initializer {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

const ints = (name: string, v: number[]): Attr => ({ name, type: AttrType.INTS, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: AttrType.INT, i: v });
const float = (name: string, v: number): Attr => ({ name, type: AttrType.FLOAT, f: v });
const str = (name: string, v: string): Attr => ({
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
function samePads(size: number, k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + eff - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

const pair = (v: unknown): [number, number] =>
  Array.isArray(v) ? [v[0] as number, (v[1] ?? v[0]) as number] : [v as number, v as number];

class GraphWriter {
  readonly nodes: Node[] = [];
  readonly inits: Initializer[] = [];

  init(name: string, data: Float32Array, dims: number[]): string {
    this.inits.push({
      name,
      dims,
      data_type: DataType.FLOAT,
      raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    });
    return name;
  }

  node(op: string, name: string, input: string[], attrs: Attr[] = [], output = name): string {
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

function weights(layer: tf.layers.Layer): { data: Float32Array; shape: number[] }[] {
  return layer.getWeights().map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape }));
}

/** Encodes `model` (single NHWC input, single output) as ONNX bytes. */
export function modelToOnnx(
  model: tf.LayersModel,
  opts: { producerVersion: string; docString?: string; metadata?: Record<string, string> },
): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new AppError(ErrorCode.UNSUPPORTED, 'ONNX export needs a model with one input and one output');
  const g = new GraphWriter();
  const names = new Map<string, string>(); // tfjs layer name -> ONNX tensor name of its output
  const inShape = model.inputs[0]!.shape;
  const [h, w, c] = [inShape[1]!, inShape[2]!, inShape[3]!];

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const node = layer.inboundNodes[0];
    const ins = (node?.inboundLayers ?? []).map((l) => {
      const n = names.get(l.name);
      if (n === undefined) throw new Error(`layer ${l.name} has no ONNX tensor yet`);
      return n;
    });
    const inputShape = node?.inputShapes as tf.Shape | tf.Shape[] | undefined;
    const firstShape = (Array.isArray(inputShape?.[0]) ? inputShape[0] : inputShape) as
      (number | null)[] | undefined;
    const name = layer.name;
    let out: string;
    switch (cls) {
      case 'InputLayer':
        out = ONNX_INPUT;
        break;
      case 'Conv2D':
      case 'ApprenticeAtrousConv2D': {
        const wts = weights(layer);
        const kernel = wts[0]!;
        const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
        const atrous = cls === 'ApprenticeAtrousConv2D';
        const [sh, sw] = atrous ? [1, 1] : pair(cfg.strides);
        const [dh, dw] = atrous ? [cfg.rate as number, cfg.rate as number] : pair(cfg.dilationRate ?? 1);
        const padding = atrous ? 'same' : (cfg.padding as string);
        const [pt, pb] = padding === 'same' ? samePads(firstShape![1]!, kh, sh, dh) : [0, 0];
        const [pl, pr] = padding === 'same' ? samePads(firstShape![2]!, kw, sw, dw) : [0, 0];
        const W = permute(kernel.data, kernel.shape, [3, 2, 0, 1]);
        const inputs = [ins[0]!, g.init(`${name}.weight`, W.data, W.shape)];
        if (wts[1]) inputs.push(g.init(`${name}.bias`, wts[1].data, wts[1].shape));
        const conv = g.node('Conv', `${name}/conv`, inputs, [
          ints('kernel_shape', [kh, kw]),
          ints('strides', [sh, sw]),
          ints('dilations', [dh, dw]),
          ints('pads', [pt, pl, pb, pr]),
          int('group', 1),
        ]);
        out = g.activation(cfg.activation as string, `${name}/act`, conv);
        break;
      }
      case 'Conv2DTranspose': {
        const wts = weights(layer);
        const kernel = wts[0]!;
        const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
        const [sh, sw] = pair(cfg.strides);
        if (!(kh === sh && kw === sw) && cfg.padding !== 'valid')
          throw new AppError(
            ErrorCode.UNSUPPORTED,
            `Transposed convolution ${name}: only kernel == stride (or 'valid') exports to ONNX`,
          );
        const W = permute(kernel.data, kernel.shape, [3, 2, 0, 1]); // [kh, kw, out, in] -> [in, out, kh, kw]
        const inputs = [ins[0]!, g.init(`${name}.weight`, W.data, W.shape)];
        if (wts[1]) inputs.push(g.init(`${name}.bias`, wts[1].data, wts[1].shape));
        const conv = g.node('ConvTranspose', `${name}/convT`, inputs, [
          ints('kernel_shape', [kh, kw]),
          ints('strides', [sh, sw]),
          int('group', 1),
        ]);
        out = g.activation(cfg.activation as string, `${name}/act`, conv);
        break;
      }
      case 'BatchNormalization': {
        const wts = weights(layer);
        const ch = wts[wts.length - 1]!.shape[0]!;
        let k = 0;
        const gamma = cfg.scale ? wts[k++]!.data : new Float32Array(ch).fill(1);
        const beta = cfg.center ? wts[k++]!.data : new Float32Array(ch);
        // The moving statistics are always the last two weights.
        const mean = wts[k]!.data,
          variance = wts[k + 1]!.data;
        const axis = cfg.axis as number | number[];
        if (!(axis === -1 || axis === 3 || (Array.isArray(axis) && (axis[0] === -1 || axis[0] === 3))))
          throw new AppError(
            ErrorCode.UNSUPPORTED,
            `BatchNormalization ${name}: only the channel axis exports`,
          );
        out = g.node(
          'BatchNormalization',
          name,
          [
            ins[0]!,
            g.init(`${name}.scale`, gamma, [ch]),
            g.init(`${name}.bias`, beta, [ch]),
            g.init(`${name}.mean`, mean, [ch]),
            g.init(`${name}.var`, variance, [ch]),
          ],
          [float('epsilon', cfg.epsilon as number)],
        );
        break;
      }
      case 'Activation':
        out = g.activation(cfg.activation as string, name, ins[0]!);
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if (cfg.padding !== 'valid')
          throw new AppError(ErrorCode.UNSUPPORTED, `Pooling ${name}: only 'valid' padding exports`);
        out = g.node(
          cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool',
          name,
          [ins[0]!],
          [
            ints('kernel_shape', pair(cfg.poolSize)),
            ints('strides', pair(cfg.strides ?? cfg.poolSize)),
            ints('pads', [0, 0, 0, 0]),
          ],
        );
        break;
      }
      case 'UpSampling2D': {
        const [fh, fw] = pair(cfg.size);
        const scales = g.init(`${name}.scales`, Float32Array.of(1, 1, fh, fw), [4]);
        // tfjs resizes with align_corners = half_pixel_centers = false: ONNX 'asymmetric'.
        const attrs =
          cfg.interpolation === 'bilinear'
            ? [str('mode', 'linear'), str('coordinate_transformation_mode', 'asymmetric')]
            : [
                str('mode', 'nearest'),
                str('coordinate_transformation_mode', 'asymmetric'),
                str('nearest_mode', 'floor'),
              ];
        out = g.node('Resize', name, [ins[0]!, '', scales], attrs);
        break;
      }
      case 'Concatenate': {
        const axis = cfg.axis as number;
        if (axis !== -1 && axis !== 3)
          throw new AppError(ErrorCode.UNSUPPORTED, `Concatenate ${name}: only the channel axis exports`);
        out = g.node('Concat', name, ins, [int('axis', 1)]);
        break;
      }
      case 'Add':
        out = g.node(ins.length === 2 ? 'Add' : 'Sum', name, ins);
        break;
      case 'Multiply':
        if (ins.length !== 2)
          throw new AppError(ErrorCode.UNSUPPORTED, `Multiply ${name}: only two inputs export`);
        out = g.node('Mul', name, ins);
        break;
      default:
        throw new AppError(ErrorCode.UNSUPPORTED, `Layer ${name} (${cls}) has no ONNX export`, {
          layer: name,
          className: cls,
        });
    }
    names.set(name, out);
  }
  const last = names.get(model.outputs[0]!.sourceLayer.name)!;
  g.node('Identity', 'output_identity', [last], [], ONNX_OUTPUT);
  const outShape = model.outputs[0]!.shape;

  const valueInfo = (n: string, dims: (number | string)[]) => ({
    name: n,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  });
  const Model = onnxType('ModelProto');
  const message = Model.fromObject({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'apprentice',
    producer_version: opts.producerVersion,
    doc_string: opts.docString ?? '',
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.inits,
      input: [valueInfo(ONNX_INPUT, ['batch', c, h, w])],
      output: [valueInfo(ONNX_OUTPUT, ['batch', outShape[3]!, outShape[1]!, outShape[2]!])],
    },
    metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return Model.encode(message).finish();
}
