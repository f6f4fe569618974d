/**
 * Writes a tfjs layers model of the zoo's layer types as an ONNX model (opset 13, IR 7) in NCHW, the
 * layout of the teacher models, so an exported student runs anywhere ONNX does (onnxruntime, PyTorch
 * tooling) and can be imported back as a teacher. Layers map one-to-one through the converter table of
 * onnx-layers.ts (conv + fused activation -> Conv then Relu/Sigmoid; 'same' padding becomes explicit
 * pads with TensorFlow's rule, extra pixel at the end). A layer type outside the table is refused by
 * name rather than approximated.
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type * as tf from '../../engine/tf.js';
import { GraphWriter, type LayerWeights, readLayerWeights } from './onnx-graph.js';
import { LAYER_CONVERTERS, ONNX_INPUT, type LayerToConvert } from './onnx-layers.js';
import { DataType, onnxType } from './onnx-proto.js';

export { permute } from './onnx-graph.js';
export { ONNX_INPUT } from './onnx-layers.js';
export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_OUTPUT = 'output';

/** A layer of `model` with the ONNX names of its inputs (`names`: tfjs layer name -> ONNX tensor name). */
function toConvert(
  layer: tf.layers.Layer,
  names: ReadonlyMap<string, string>,
  weights: LayerWeights,
): LayerToConvert {
  const node = layer.inboundNodes[0];
  const ins = (node?.inboundLayers ?? []).map((l) => {
    const n = names.get(l.name);
    if (n === undefined) throw new Error(`layer ${l.name} has no ONNX tensor yet`);
    return n;
  });
  const shapes = node?.inputShapes as tf.Shape | tf.Shape[] | undefined;
  const inputShape = (Array.isArray(shapes?.[0]) ? shapes[0] : shapes) as (number | null)[] | undefined;
  return {
    layer,
    name: layer.name,
    className: layer.getClassName(),
    cfg: layer.getConfig() as Record<string, unknown>,
    ins,
    inputShape,
    weights,
  };
}

/** Converts every layer, in the model's (topological) order; returns the ONNX name of the output. */
function writeLayers(model: tf.LayersModel, g: GraphWriter, weights: Map<string, LayerWeights>): string {
  const names = new Map<string, string>();
  for (const layer of model.layers) {
    const l = toConvert(layer, names, weights.get(layer.name) ?? []);
    const convert = LAYER_CONVERTERS.get(l.className);
    if (!convert)
      throw new AppError(ErrorCode.UNSUPPORTED, `Layer ${l.name} (${l.className}) has no ONNX export`, {
        layer: l.name,
        className: l.className,
      });
    names.set(l.name, convert(l, g));
  }
  return names.get(model.outputs[0]!.sourceLayer.name)!;
}

const valueInfo = (name: string, dims: (number | string)[]) => ({
  name,
  type: {
    tensor_type: {
      elem_type: DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
    },
  },
});

/** Encodes `model` (single NHWC input, single output) as ONNX bytes. */
export async function modelToOnnx(
  model: tf.LayersModel,
  opts: { producerVersion: string; docString?: string; metadata?: Record<string, string> },
): Promise<Uint8Array> {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new AppError(ErrorCode.UNSUPPORTED, 'ONNX export needs a model with one input and one output');
  const g = new GraphWriter();
  g.node(
    'Identity',
    'output_identity',
    [writeLayers(model, g, await readLayerWeights(model))],
    [],
    ONNX_OUTPUT,
  );
  const [, h, w, c] = model.inputs[0]!.shape;
  const outShape = model.outputs[0]!.shape;
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
      input: [valueInfo(ONNX_INPUT, ['batch', c!, h!, w!])],
      output: [valueInfo(ONNX_OUTPUT, ['batch', outShape[3]!, outShape[1]!, outShape[2]!])],
    },
    metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return Model.encode(message).finish();
}
