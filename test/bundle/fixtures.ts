// Test fixtures for bundles: tiny ONNX ModelProtos (with external data anywhere), TF.js model.json, manifests, folders.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import type { EnsembleNode } from '../../core/bundle/manifest.js';

const { onnx } = onnxProto;

/** A 4-float tensor whose data lives in the external file `location`. */
export function externalTensor(name: string, location: string): OnnxTypes.ITensorProto {
  return {
    name,
    dataType: onnx.TensorProto.DataType.FLOAT,
    dims: [4],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: '16' },
    ],
  };
}

/** A 4-float tensor with its data inline (raw_data). */
export function inlineTensor(name: string): OnnxTypes.ITensorProto {
  return { name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [4], rawData: new Uint8Array(16) };
}

/** A graph computing y = x + w from an initializer (external when `location` is given). */
export function addGraph(name: string, location?: string): OnnxTypes.IGraphProto {
  const floatVec = {
    tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 4 }] } },
  };
  return {
    name,
    input: [{ name: 'x', type: floatVec }],
    output: [{ name: 'y', type: floatVec }],
    initializer: [location ? externalTensor('w', location) : inlineTensor('w')],
    node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
  };
}

/** Encode a ModelProto with `graph` (and optional model-local functions) to bytes. */
export function onnxBytes(
  graph: OnnxTypes.IGraphProto,
  functions: OnnxTypes.IFunctionProto[] = [],
): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'sketchboard-test',
    graph,
    functions,
  }).finish();
}

/** A tiny ONNX model whose only weight is stored in the external file `location` (or inline). */
export function tinyOnnx(location?: string): Uint8Array {
  return onnxBytes(addGraph('tiny', location));
}

/** A node with the given attributes (for Constant, If, Loop, Scan...). */
export function node(opType: string, attribute: OnnxTypes.IAttributeProto[]): OnnxTypes.INodeProto {
  return { opType, input: [], output: [`${opType}_out`], attribute };
}

const T = onnx.AttributeProto.AttributeType;
export const attr = {
  t: (name: string, t: OnnxTypes.ITensorProto) => ({ name, type: T.TENSOR, t }),
  tensors: (name: string, tensors: OnnxTypes.ITensorProto[]) => ({ name, type: T.TENSORS, tensors }),
  sparse: (name: string, values: OnnxTypes.ITensorProto) => ({
    name,
    type: T.SPARSE_TENSOR,
    sparseTensor: { values, indices: inlineTensor('i'), dims: [8] },
  }),
  g: (name: string, g: OnnxTypes.IGraphProto) => ({ name, type: T.GRAPH, g }),
  graphs: (name: string, graphs: OnnxTypes.IGraphProto[]) => ({ name, type: T.GRAPHS, graphs }),
};

/** A TF.js graph-model model.json whose weight groups have the given shard paths. */
export function modelJson(groups: string[][]): string {
  return JSON.stringify({
    format: 'graph-model',
    generatedBy: 'sketchboard-test',
    modelTopology: { node: [], library: {}, versions: { producer: 1 } },
    weightsManifest: groups.map((paths, i) => ({
      paths,
      weights: [{ name: `w${i}`, shape: [4], dtype: 'float32' }],
    })),
  });
}

/** A manifest for the given ensemble tree (2 classes, 8x8 RGB input). */
export function manifestJson(ensemble: EnsembleNode, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      version: 1,
      name: 'test-bundle',
      classes: 2,
      input: { size: [8, 8], channels: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      output: 'logits',
      ensemble,
      ...extra,
    },
    null,
    2,
  );
}

/** Write files (bundle-relative path → content) under `root`, creating folders. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, ...rel.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'sb-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * The files of a good bundle with a nested tree: hard vote over a soft family of two ONNX folds (one
 * with external data), an ONNX model whose weights are external, and a TF.js model with two shards.
 */
export function goodBundleFiles(): Record<string, string | Uint8Array> {
  const ensemble: EnsembleNode = {
    vote: 'hard',
    members: [
      { vote: 'soft', members: [{ model: 'large/fold0.onnx' }, { model: 'large/fold1.onnx' }] },
      { model: 'giant.onnx', weight: 2, input: { size: [12, 12] } },
      { model: 'cnn/model.json' },
    ],
  };
  return {
    'manifest.json': manifestJson(ensemble, { tta: ['hflip'] }),
    'large/fold0.onnx': tinyOnnx(),
    'large/fold1.onnx': tinyOnnx('fold1.weights'),
    'large/fold1.weights': new Uint8Array(16),
    'giant.onnx': tinyOnnx('giant.onnx.data'),
    'giant.onnx.data': new Uint8Array(16).fill(7),
    'cnn/model.json': modelJson([['group1-shard1of2.bin', 'group1-shard2of2.bin']]),
    'cnn/group1-shard1of2.bin': new Uint8Array(8).fill(1),
    'cnn/group1-shard2of2.bin': new Uint8Array(8).fill(2),
  };
}
