// Tiny real ONNX models for the backend tests, encoded with onnx-proto from the reference net's weights.
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { convB, convW, f32Bytes, fcB, fcW } from './fixtures.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** A dim: a number is fixed, a string is symbolic (dim_param), null is unknown. */
export type Dim = number | string | null;

type Init = {
  name: string;
  dims: number[];
  values: number[];
  external?: { location: string; offset: number };
};

function valueInfo(name: string, dims: Dim[], elemType: number = FLOAT): OnnxTypes.IValueInfoProto {
  const dim = dims.map((d) =>
    typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {},
  );
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function initializer(init: Init): OnnxTypes.ITensorProto {
  if (!init.external) return { name: init.name, dims: init.dims, dataType: FLOAT, floatData: init.values };
  const { location, offset } = init.external;
  return {
    name: init.name,
    dims: init.dims,
    dataType: FLOAT,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(init.values.length * 4) },
    ],
  };
}

function ints(name: string, values: number[]): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int(name: string, value: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

/** Encodes a single-graph model at opset 13, IR version 8; `outputs` (several) or `output` (one). */
export function encodeModel(parts: {
  inputs: { name: string; dims: Dim[] }[];
  output?: { name: string; dims: Dim[] };
  outputs?: { name: string; dims: Dim[]; elemType?: number }[];
  nodes: OnnxTypes.INodeProto[];
  inits?: Init[];
}): Uint8Array {
  const outputs: { name: string; dims: Dim[]; elemType?: number }[] =
    parts.outputs ?? (parts.output ? [parts.output] : []);
  const model: OnnxTypes.IModelProto = {
    irVersion: 8,
    producerName: 'sketchboard-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: parts.nodes,
      initializer: (parts.inits ?? []).map(initializer),
      input: parts.inputs.map((i) => valueInfo(i.name, i.dims)),
      output: outputs.map((o) => valueInfo(o.name, o.dims, o.elemType ?? FLOAT)),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** The reference net's initializers; ONNX Conv weight is [out, in, kh, kw], Gemm B is [3, 8] (transB). */
function netInits(): Init[] {
  return [
    { name: 'conv_w', dims: [2, 1, 3, 3], values: convW.flat(2) },
    { name: 'conv_b', dims: [2], values: convB },
    { name: 'fc_w', dims: [3, 8], values: fcW.flat(3) },
    { name: 'fc_b', dims: [3], values: fcB },
  ];
}

const NET_NODES: OnnxTypes.INodeProto[] = [
  {
    opType: 'Conv',
    input: ['image', 'conv_w', 'conv_b'],
    output: ['conv'],
    attribute: [ints('kernel_shape', [3, 3])],
  },
  { opType: 'Relu', input: ['conv'], output: ['relu'] },
  { opType: 'Flatten', input: ['relu'], output: ['flat'], attribute: [int('axis', 1)] },
  { opType: 'Gemm', input: ['flat', 'fc_w', 'fc_b'], output: ['logits'], attribute: [int('transB', 1)] },
  { opType: 'Softmax', input: ['logits'], output: ['probs'], attribute: [int('axis', 1)] },
];

/**
 * The reference net as ONNX with input "image" [batch, 1, 4, 4] and output "probs" [batch, 3].
 * `batch` 1 gives a fixed batch dimension; a string gives a symbolic one.
 */
export function convNet(batch: Dim): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'image', dims: [batch, 1, 4, 4] }],
    output: { name: 'probs', dims: [batch, 3] },
    nodes: NET_NODES,
    inits: netInits(),
  });
}

/**
 * The reference net with its two weight matrices in an external-data file `location` (relative to the
 * model's folder). Returns the model bytes and the bytes of the data file.
 */
export function convNetExternal(location: string): { model: Uint8Array; data: Uint8Array } {
  const inits = netInits();
  const conv = inits[0];
  const fc = inits[2];
  conv.external = { location, offset: 0 };
  fc.external = { location, offset: conv.values.length * 4 };
  const model = encodeModel({
    inputs: [{ name: 'image', dims: ['batch', 1, 4, 4] }],
    output: { name: 'probs', dims: ['batch', 3] },
    nodes: NET_NODES,
    inits,
  });
  const data = new Uint8Array([...f32Bytes(conv.values), ...f32Bytes(fc.values)]);
  return { model, data };
}

/** A Gemm on a rank-2 input "features" [N, 16]: not an image model. */
export function rank2Model(): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'features', dims: ['N', 16] }],
    output: { name: 'y', dims: ['N', 3] },
    nodes: [{ opType: 'Gemm', input: ['features', 'w'], output: ['y'], attribute: [int('transB', 1)] }],
    inits: [{ name: 'w', dims: [3, 16], values: Array.from({ length: 48 }, (_, i) => i / 48) }],
  });
}

/** Two image inputs "left" and "right" added together: more than one input. */
export function twoInputModel(): Uint8Array {
  return encodeModel({
    inputs: [
      { name: 'left', dims: ['N', 1, 4, 4] },
      { name: 'right', dims: ['N', 1, 4, 4] },
    ],
    output: { name: 'sum', dims: ['N', 1, 4, 4] },
    nodes: [{ opType: 'Add', input: ['left', 'right'], output: ['sum'] }],
  });
}

/**
 * The reference net with three outputs: "logits" [batch, 3], "probs" [batch, 3] (the reference numbers)
 * and "label" (int64 ArgMax, not a score table).
 */
export function convNetHeads(batch: Dim): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'image', dims: [batch, 1, 4, 4] }],
    outputs: [
      { name: 'logits', dims: [batch, 3] },
      { name: 'probs', dims: [batch, 3] },
      { name: 'label', dims: [batch], elemType: onnx.TensorProto.DataType.INT64 },
    ],
    nodes: [
      ...NET_NODES,
      {
        opType: 'ArgMax',
        input: ['logits'],
        output: ['label'],
        attribute: [int('axis', 1), int('keepdims', 0)],
      },
    ],
    inits: netInits(),
  });
}
