// Tiny real TF.js models for the backend tests: the reference net as a LayersModel and as a hand-written GraphModel.
import { getTf } from '../../core/backends/tfjs.js';
import type { WeightEntry } from '../../core/backends/tfjs-weights.js';
import { convB, convW, f32Bytes, fcB, fcW, toFloat16Bits } from './fixtures.js';

/** model.json contents plus shard files (name → bytes), ready for tempBundle under some folder. */
export type TfjsFiles = {
  json: Record<string, unknown> & { weightsManifest: Group[] };
  shards: Record<string, Uint8Array>;
};
type Group = { paths: string[]; weights: WeightEntry[] };

/** TF.js kernel HWIO [3, 3, 1, 2] and dense kernel [8, 3] with NHWC flatten order (i, j, c). */
const convKernel = () => [0, 1, 2].flatMap((h) => [0, 1, 2].flatMap((w) => [convW[0][h][w], convW[1][h][w]]));
const denseKernel = () =>
  [0, 1].flatMap((i) => [0, 1].flatMap((j) => [0, 1].flatMap((c) => [0, 1, 2].map((k) => fcW[k][c][i][j]))));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Splits weight bytes into `count` shards named group1-shardIofN.bin. */
function shard(bytes: Uint8Array, count: number): { paths: string[]; shards: Record<string, Uint8Array> } {
  const size = Math.ceil(bytes.length / count);
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const shards = Object.fromEntries(paths.map((p, i) => [p, bytes.slice(i * size, (i + 1) * size)]));
  return { paths, shards };
}

/**
 * The reference net as a Keras-style LayersModel (input [batch, 4, 4, 1]), saved through
 * tf.io.withSaveHandler and split into `shards` files. `batch` null = dynamic, a number = fixed.
 */
export async function layersNet(opts: { batch?: number | null; shards?: number } = {}): Promise<TfjsFiles> {
  const { tf } = await getTf();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        batchInputShape: [opts.batch ?? null, 4, 4, 1],
        filters: 2,
        kernelSize: 3,
        activation: 'relu',
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const weights = [
    tf.tensor4d(convKernel(), [3, 3, 1, 2]),
    tf.tensor1d(convB),
    tf.tensor2d(denseKernel(), [8, 3]),
    tf.tensor1d(fcB),
  ];
  model.setWeights(weights);
  tf.dispose(weights);
  return saveLayers(model, opts.shards ?? 1);
}

/**
 * The reference net as a functional LayersModel with two outputs: layer "probs" (softmax, the reference
 * numbers) and layer "logits" (the same dense weights, linear), both on one shared conv.
 */
export async function layersHeads(): Promise<TfjsFiles> {
  const { tf } = await getTf();
  const input = tf.input({ batchShape: [null, 4, 4, 1] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', name: 'conv' });
  const flat = tf.layers.flatten().apply(conv.apply(input)) as import('@tensorflow/tfjs').SymbolicTensor;
  const probs = tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' });
  const logits = tf.layers.dense({ units: 3, name: 'logits' });
  const outputs = [probs.apply(flat), logits.apply(flat)] as import('@tensorflow/tfjs').SymbolicTensor[];
  const model = tf.model({ inputs: input, outputs });
  const weights = [
    tf.tensor4d(convKernel(), [3, 3, 1, 2]),
    tf.tensor1d(convB),
    tf.tensor2d(denseKernel(), [8, 3]),
    tf.tensor1d(fcB),
  ];
  conv.setWeights(weights.slice(0, 2));
  probs.setWeights(weights.slice(2));
  logits.setWeights(weights.slice(2));
  tf.dispose(weights);
  return saveLayers(model);
}

/** Saves a LayersModel through tf.io.withSaveHandler into model.json + `shards` files, then disposes it. */
export async function saveLayers(
  model: import('@tensorflow/tfjs').LayersModel,
  shards = 1,
): Promise<TfjsFiles> {
  const { tf } = await getTf();
  let saved: import('@tensorflow/tfjs').io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const art = saved as unknown as import('@tensorflow/tfjs').io.ModelArtifacts;
  const data = Array.isArray(art.weightData) ? art.weightData : [art.weightData ?? new ArrayBuffer(0)];
  const split = shard(concat(data.map((b) => new Uint8Array(b))), shards);
  const json = {
    format: 'layers-model',
    generatedBy: art.generatedBy,
    convertedBy: null,
    modelTopology: art.modelTopology as Record<string, unknown>,
    weightsManifest: [{ paths: split.paths, weights: (art.weightSpecs ?? []) as WeightEntry[] }],
  };
  return { json, shards: split.shards };
}

/** Re-encodes every float32 weight of a one-group model as uint8, uint16 (scale 1/32, min -0.5) or float16. */
export function quantize(files: TfjsFiles, dtype: 'uint8' | 'uint16' | 'float16'): TfjsFiles {
  const group = files.json.weightsManifest[0];
  const raw = concat(group.paths.map((p) => files.shards[p]));
  const floats = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const encoded =
    dtype === 'float16'
      ? new Uint8Array(Uint16Array.from(floats, toFloat16Bits).buffer)
      : dtype === 'uint16'
        ? new Uint8Array(Uint16Array.from(floats, (v) => Math.round((v + 0.5) * 32)).buffer)
        : Uint8Array.from(floats, (v) => Math.round((v + 0.5) * 32));
  const quantization = dtype === 'float16' ? { dtype } : { dtype, scale: 1 / 32, min: -0.5 };
  const weights = group.weights.map((w) => ({ ...w, quantization }));
  const { paths, shards } = shard(encoded, 1);
  return { json: { ...files.json, weightsManifest: [{ paths, weights }] }, shards };
}

const dims = (...sizes: number[]) => ({ dim: sizes.map((s) => ({ size: String(s) })) });
const str = (s: string) => ({ s: Buffer.from(s).toString('base64') });
const konst = (name: string, dtype: string, shape: number[]) => ({
  name,
  op: 'Const',
  attr: { value: { tensor: { dtype, tensorShape: dims(...shape) } }, dtype: { type: dtype } },
});

/**
 * The reference net as a GraphModel (TF GraphDef JSON, NHWC). With `controlFlow` the ReLU output goes
 * through Switch/Merge on a constant `true`, so the graph needs executeAsync() but computes the same.
 */
export function graphNet(opts: { controlFlow?: boolean; logitsOutput?: boolean } = {}): TfjsFiles {
  const ones = { list: { i: ['1', '1', '1', '1'] } };
  const feature = opts.controlFlow ? 'merge' : 'relu';
  const node: Record<string, unknown>[] = [
    {
      name: 'image',
      op: 'Placeholder',
      attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims(-1, 4, 4, 1) } },
    },
    konst('conv_w', 'DT_FLOAT', [3, 3, 1, 2]),
    konst('conv_b', 'DT_FLOAT', [2]),
    konst('fc_w', 'DT_FLOAT', [8, 3]),
    konst('fc_b', 'DT_FLOAT', [3]),
    konst('flat_shape', 'DT_INT32', [2]),
    {
      name: 'conv',
      op: 'Conv2D',
      input: ['image', 'conv_w'],
      attr: {
        T: { type: 'DT_FLOAT' },
        strides: ones,
        dilations: ones,
        padding: str('VALID'),
        data_format: str('NHWC'),
      },
    },
    { name: 'bias', op: 'BiasAdd', input: ['conv', 'conv_b'], attr: { data_format: str('NHWC') } },
    { name: 'relu', op: 'Relu', input: ['bias'] },
    { name: 'flat', op: 'Reshape', input: [feature, 'flat_shape'] },
    {
      name: 'mm',
      op: 'MatMul',
      input: ['flat', 'fc_w'],
      attr: { transpose_a: { b: false }, transpose_b: { b: false } },
    },
    { name: 'logits', op: 'BiasAdd', input: ['mm', 'fc_b'] },
    { name: 'probs', op: 'Softmax', input: ['logits'] },
  ];
  const weights: WeightEntry[] = [
    { name: 'conv_w', shape: [3, 3, 1, 2], dtype: 'float32' },
    { name: 'conv_b', shape: [2], dtype: 'float32' },
    { name: 'fc_w', shape: [8, 3], dtype: 'float32' },
    { name: 'fc_b', shape: [3], dtype: 'float32' },
    { name: 'flat_shape', shape: [2], dtype: 'int32' },
  ];
  const parts = [
    f32Bytes(convKernel()),
    f32Bytes(convB),
    f32Bytes(denseKernel()),
    f32Bytes(fcB),
    new Uint8Array(Int32Array.from([-1, 8]).buffer),
  ];
  if (opts.controlFlow) {
    node.push(
      konst('pred', 'DT_BOOL', []),
      { name: 'switch', op: 'Switch', input: ['relu', 'pred'] },
      { name: 'negated', op: 'Neg', input: ['switch'] },
      { name: 'kept', op: 'Identity', input: ['switch:1'] },
      { name: 'merge', op: 'Merge', input: ['negated', 'kept'] },
    );
    weights.push({ name: 'pred', shape: [], dtype: 'bool' });
    parts.push(new Uint8Array([1]));
  }
  // A second terminal node makes a second graph output: the logits beside the probabilities.
  if (opts.logitsOutput) node.push({ name: 'logits_out', op: 'Identity', input: ['logits'] });
  const { paths, shards } = shard(concat(parts), 1);
  const json = {
    format: 'graph-model',
    generatedBy: '2.15.0',
    convertedBy: 'sketchboard tests',
    modelTopology: { node, library: {}, versions: { producer: 1286 } },
    weightsManifest: [{ paths, weights }],
  };
  return { json, shards };
}

/** Files for tempBundle: `dir/model.json` and its shards beside it. */
export function bundleFiles(files: TfjsFiles, dir = 'cnn'): Record<string, Uint8Array | string> {
  const out: Record<string, Uint8Array | string> = { [`${dir}/model.json`]: JSON.stringify(files.json) };
  for (const [name, bytes] of Object.entries(files.shards)) out[`${dir}/${name}`] = bytes;
  return out;
}
