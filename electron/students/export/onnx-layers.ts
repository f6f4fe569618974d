/**
 * One ONNX converter per tfjs layer kind of the zoo, keyed by the layer's class name. Each one writes
 * the nodes of its layer (NCHW) and returns the name of the tensor that holds the layer's output. A kind
 * missing from the table has no export (the writer refuses it by name).
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type * as tf from '../../engine/tf.js';
import {
  float,
  type GraphWriter,
  int,
  ints,
  type LayerWeights,
  pair,
  permute,
  samePads,
  str,
} from './onnx-graph.js';

export const ONNX_INPUT = 'input';

/** What a converter knows of the layer it converts. */
export interface LayerToConvert {
  layer: tf.layers.Layer;
  name: string;
  className: string;
  cfg: Record<string, unknown>;
  /** ONNX tensor names of the layer's inputs, in order. */
  ins: string[];
  /** NHWC shape of the (first) input. */
  inputShape: (number | null)[] | undefined;
  /** The layer's weights, read back beforehand (tfjs order). */
  weights: LayerWeights;
}

export type LayerConverter = (l: LayerToConvert, g: GraphWriter) => string;

/** Conv2D and the zoo's atrous convolution (always 'same', stride 1, dilation = its rate). */
function convolution(l: LayerToConvert, g: GraphWriter): string {
  const { name, cfg } = l;
  const wts = l.weights;
  const kernel = wts[0]!;
  const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
  const atrous = l.className === 'ApprenticeAtrousConv2D';
  const [sh, sw] = atrous ? [1, 1] : pair(cfg.strides);
  const [dh, dw] = atrous ? [cfg.rate as number, cfg.rate as number] : pair(cfg.dilationRate ?? 1);
  const padding = atrous ? 'same' : (cfg.padding as string);
  const [pt, pb] = padding === 'same' ? samePads(l.inputShape![1]!, kh, sh, dh) : [0, 0];
  const [pl, pr] = padding === 'same' ? samePads(l.inputShape![2]!, kw, sw, dw) : [0, 0];
  const W = permute(kernel.data, kernel.shape, [3, 2, 0, 1]);
  const inputs = [l.ins[0]!, g.init(`${name}.weight`, W.data, W.shape)];
  if (wts[1]) inputs.push(g.init(`${name}.bias`, wts[1].data, wts[1].shape));
  const conv = g.node('Conv', `${name}/conv`, inputs, [
    ints('kernel_shape', [kh, kw]),
    ints('strides', [sh, sw]),
    ints('dilations', [dh, dw]),
    ints('pads', [pt, pl, pb, pr]),
    int('group', 1),
  ]);
  return g.activation(cfg.activation as string, `${name}/act`, conv);
}

function transposedConvolution(l: LayerToConvert, g: GraphWriter): string {
  const { name, cfg } = l;
  const wts = l.weights;
  const kernel = wts[0]!;
  const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
  const [sh, sw] = pair(cfg.strides);
  if (!(kh === sh && kw === sw) && cfg.padding !== 'valid')
    throw new AppError(
      ErrorCode.UNSUPPORTED,
      `Transposed convolution ${name}: only kernel == stride (or 'valid') exports to ONNX`,
    );
  const W = permute(kernel.data, kernel.shape, [3, 2, 0, 1]); // [kh, kw, out, in] -> [in, out, kh, kw]
  const inputs = [l.ins[0]!, g.init(`${name}.weight`, W.data, W.shape)];
  if (wts[1]) inputs.push(g.init(`${name}.bias`, wts[1].data, wts[1].shape));
  const conv = g.node('ConvTranspose', `${name}/convT`, inputs, [
    ints('kernel_shape', [kh, kw]),
    ints('strides', [sh, sw]),
    int('group', 1),
  ]);
  return g.activation(cfg.activation as string, `${name}/act`, conv);
}

function batchNormalization(l: LayerToConvert, g: GraphWriter): string {
  const { name, cfg } = l;
  const wts = l.weights;
  const ch = wts[wts.length - 1]!.shape[0]!;
  let k = 0;
  const gamma = cfg.scale ? wts[k++]!.data : new Float32Array(ch).fill(1);
  const beta = cfg.center ? wts[k++]!.data : new Float32Array(ch);
  // The moving statistics are always the last two weights.
  const mean = wts[k]!.data,
    variance = wts[k + 1]!.data;
  const axis = cfg.axis as number | number[];
  if (!(axis === -1 || axis === 3 || (Array.isArray(axis) && (axis[0] === -1 || axis[0] === 3))))
    throw new AppError(ErrorCode.UNSUPPORTED, `BatchNormalization ${name}: only the channel axis exports`);
  return g.node(
    'BatchNormalization',
    name,
    [
      l.ins[0]!,
      g.init(`${name}.scale`, gamma, [ch]),
      g.init(`${name}.bias`, beta, [ch]),
      g.init(`${name}.mean`, mean, [ch]),
      g.init(`${name}.var`, variance, [ch]),
    ],
    [float('epsilon', cfg.epsilon as number)],
  );
}

function pooling(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return ({ name, cfg, ins }, g) => {
    if (cfg.padding !== 'valid')
      throw new AppError(ErrorCode.UNSUPPORTED, `Pooling ${name}: only 'valid' padding exports`);
    return g.node(
      op,
      name,
      [ins[0]!],
      [
        ints('kernel_shape', pair(cfg.poolSize)),
        ints('strides', pair(cfg.strides ?? cfg.poolSize)),
        ints('pads', [0, 0, 0, 0]),
      ],
    );
  };
}

function upSampling({ name, cfg, ins }: LayerToConvert, g: GraphWriter): string {
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
  return g.node('Resize', name, [ins[0]!, '', scales], attrs);
}

function concatenate({ name, cfg, ins }: LayerToConvert, g: GraphWriter): string {
  const axis = cfg.axis as number;
  if (axis !== -1 && axis !== 3)
    throw new AppError(ErrorCode.UNSUPPORTED, `Concatenate ${name}: only the channel axis exports`);
  return g.node('Concat', name, ins, [int('axis', 1)]);
}

function multiply({ name, ins }: LayerToConvert, g: GraphWriter): string {
  if (ins.length !== 2) throw new AppError(ErrorCode.UNSUPPORTED, `Multiply ${name}: only two inputs export`);
  return g.node('Mul', name, ins);
}

/** The converter of each layer kind that exports, by tfjs class name (a Map: no inherited keys). */
export const LAYER_CONVERTERS: ReadonlyMap<string, LayerConverter> = new Map<string, LayerConverter>([
  ['InputLayer', () => ONNX_INPUT],
  ['Conv2D', convolution],
  ['ApprenticeAtrousConv2D', convolution],
  ['Conv2DTranspose', transposedConvolution],
  ['BatchNormalization', batchNormalization],
  ['Activation', ({ name, cfg, ins }, g) => g.activation(cfg.activation as string, name, ins[0]!)],
  ['MaxPooling2D', pooling('MaxPool')],
  ['AveragePooling2D', pooling('AveragePool')],
  ['UpSampling2D', upSampling],
  ['Concatenate', concatenate],
  ['Add', ({ name, ins }, g) => g.node(ins.length === 2 ? 'Add' : 'Sum', name, ins)],
  ['Multiply', multiply],
]);
