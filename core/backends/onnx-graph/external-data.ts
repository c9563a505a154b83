// External data of ONNX models: where a model keeps tensors outside itself, and moving large initializers into one shared file.
import { SketchboardError } from '../../errors.js';
import { decodeOnnx, type OnnxTypes, onnx } from '../onnx-proto.js';

type Maybe<T> = T | null | undefined;

const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** Offsets of external tensors are aligned to this (the page size, so runtimes may mmap them). */
export const EXTERNAL_ALIGN = 4096;
/** Initializers smaller than this stay inside the model. */
export const EXTERNAL_MIN_BYTES = 1024;

/** The bytes of an inline tensor (raw data, or float_data as little-endian float32), or null for other encodings. */
function tensorBytes(t: OnnxTypes.ITensorProto): Uint8Array | null {
  if (t.dataLocation === EXTERNAL) return null;
  if (t.rawData && t.rawData.length > 0) return t.rawData;
  if (t.dataType === FLOAT && t.floatData && t.floatData.length > 0) {
    const f = Float32Array.from(t.floatData);
    return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  }
  return null;
}

/** True when any initializer of the model's main graph is stored as external data. */
export function hasExternalData(model: OnnxTypes.IModelProto): boolean {
  return (model.graph?.initializer ?? []).some((t) => t.dataLocation === EXTERNAL);
}

/**
 * A copy of `model` whose main-graph initializers of at least `minBytes` (raw or float data) point into one
 * external-data file named `location` (a plain file name, resolved next to the model by ONNX runtimes),
 * and that file's bytes. Tensors are page-aligned. Small tensors, other encodings and tensors that are
 * already external stay as they are. Models that share `data` (same location, same folder) load the
 * weights from one file: 5 folds of a head on a 1 GB backbone cost 1 GB, not 5.
 *
 * @example
 * const { model, data } = externalizeInitializers(backbone, 'backbone.weights');
 * await writeFile('run/backbone.weights', data); // then merge `model` with each fold's head
 */
export function externalizeInitializers(
  model: OnnxTypes.IModelProto,
  location: string,
  opts: { minBytes?: number; align?: number } = {},
): { model: OnnxTypes.ModelProto; data: Buffer; moved: number } {
  if (!/^[A-Za-z0-9._-]+$/.test(location) || location.startsWith('.')) {
    throw new SketchboardError(
      'invalid_argument',
      `external data location "${location}" must be a plain file name`,
    );
  }
  const minBytes = opts.minBytes ?? EXTERNAL_MIN_BYTES;
  const align = opts.align ?? EXTERNAL_ALIGN;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let moved = 0;
  const initializer = (model.graph?.initializer ?? []).map((t) => {
    const bytes = tensorBytes(t);
    if (!bytes || bytes.length < minBytes) return t;
    const pad = (align - (offset % align)) % align;
    if (pad > 0) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(bytes);
    const entry: OnnxTypes.ITensorProto = {
      ...t,
      rawData: new Uint8Array(0),
      floatData: [],
      dataLocation: EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.length) },
      ],
    };
    offset += bytes.length;
    moved++;
    return entry;
  });
  const copy = onnx.ModelProto.create({ ...model, graph: { ...model.graph, initializer } });
  return { model: copy, data: Buffer.concat(chunks), moved };
}

/** Summed size of a model's inline initializer data in the main graph, in bytes. */
export function inlineWeightBytes(model: OnnxTypes.IModelProto): number {
  let total = 0;
  for (const t of model.graph?.initializer ?? []) total += tensorBytes(t)?.length ?? 0;
  return total;
}

/**
 * Every `location` of tensors stored as EXTERNAL data anywhere in an ONNX model (graphs, subgraphs,
 * functions, training info); SketchboardError('invalid_model') naming `label` for bytes that are not a
 * model or an external tensor without a location.
 *
 * @example
 * onnxExternalLocations(await readFile('model.onnx'), 'model.onnx'); // ['model.weights']
 */
export function onnxExternalLocations(bytes: Uint8Array, label: string): string[] {
  const model = decodeOnnx(bytes, label);

  const locations = new Set<string>();
  const visitTensor = (t: Maybe<OnnxTypes.ITensorProto>) => {
    if (!t || t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    if (!location) {
      throw new SketchboardError(
        'invalid_model',
        `${label}: tensor "${t.name ?? ''}" is stored as external data but has no location`,
      );
    }
    locations.add(location);
  };
  const visitSparse = (s: Maybe<OnnxTypes.ISparseTensorProto>) => {
    visitTensor(s?.values);
    visitTensor(s?.indices);
  };
  // An explicit work list instead of recursion: If/Loop/Scan bodies may nest arbitrarily deep.
  const graphs: OnnxTypes.IGraphProto[] = [model.graph];
  const nodes: OnnxTypes.INodeProto[] = [];
  for (const fn of model.functions ?? []) for (const n of fn.node ?? []) nodes.push(n);
  for (const info of model.trainingInfo ?? []) {
    if (info.initialization) graphs.push(info.initialization);
    if (info.algorithm) graphs.push(info.algorithm);
  }
  while (graphs.length > 0 || nodes.length > 0) {
    const graph = graphs.pop();
    if (graph) {
      for (const t of graph.initializer ?? []) visitTensor(t);
      for (const s of graph.sparseInitializer ?? []) visitSparse(s);
      for (const n of graph.node ?? []) nodes.push(n);
    }
    const node = nodes.pop();
    if (!node) continue;
    for (const attr of node.attribute ?? []) {
      visitTensor(attr.t);
      for (const t of attr.tensors ?? []) visitTensor(t);
      visitSparse(attr.sparseTensor);
      for (const s of attr.sparseTensors ?? []) visitSparse(s);
      if (attr.g) graphs.push(attr.g);
      for (const g of attr.graphs ?? []) graphs.push(g);
    }
  }
  return [...locations];
}
