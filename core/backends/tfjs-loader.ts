// Our TF.js loader: model.json + only its listed shards from the bundle, size-checked, then loaded from memory.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GraphModel, LayersModel, Tensor as TfTensor } from '@tensorflow/tfjs';
import { readJsonCapped, regularFileIn } from '../bundle/files.js';
import { DEFAULT_LIMITS } from '../bundle/limits.js';
import { modelReferences } from '../bundle/references.js';
import { SketchboardError } from '../errors.js';
import { checkInput, checkOutputNames, runBatchedOutputs } from './batching.js';
import { getTf, type Tf, tfjsCoreVersion } from './tfjs.js';
import { checkWeightSizes, type ModelJson, modelKind, parseModelJson } from './tfjs-weights.js';
import type { LoadedModel, LoadOptions, RuntimeStamp, Tensor } from './types.js';

type Dims = (number | null)[];

/** Ops that make GraphModel.execute() throw: the graph needs executeAsync(). Mirrors tfjs-converter. */
const ASYNC_OPS = new Set(
  [
    'Switch Merge Enter Exit NextIteration StatelessIf StatelessWhile If if While',
    'NonMaxSuppressionV2 NonMaxSuppressionV3 NonMaxSuppressionV4 NonMaxSuppressionV5 Where',
    'HashTable HashTableV2 LookupTableImport LookupTableImportV2 LookupTableFind LookupTableFindV2',
  ].flatMap((ops) => ops.split(' ')),
);

/** True when a graph-model topology (main graph or its function library) has control-flow or dynamic ops. */
export function needsAsync(topology: Record<string, unknown>): boolean {
  const ops = (nodes: unknown): boolean =>
    Array.isArray(nodes) && nodes.some((n) => ASYNC_OPS.has(String((n as { op?: unknown })?.op)));
  const library = topology.library as { function?: { nodeDef?: unknown }[] } | undefined;
  return ops(topology.node) || (library?.function ?? []).some((f) => ops(f?.nodeDef));
}

/** Resolves each shard of each group to its bundle path; each must be one modelReferences vetted. */
function shardPaths(json: ModelJson, modelPath: string, refs: readonly string[]): string[][] {
  const known = new Set(refs);
  const dir = path.posix.dirname(modelPath);
  return json.weightsManifest.map((group) =>
    group.paths.map((p) => {
      const shard = dir === '.' ? p : `${dir}/${p}`;
      if (!known.has(shard)) {
        throw new SketchboardError(
          'invalid_model',
          `weight shard "${p}" is not a plain file name inside the bundle`,
        );
      }
      return shard;
    }),
  );
}

/** Reads model.json and its shards (sizes checked before reading them) into fromMemory artifacts. */
async function readArtifacts(
  bundleDir: string,
  modelPath: string,
): Promise<{ json: ModelJson; weights: ArrayBuffer }> {
  const refs = await modelReferences(bundleDir, modelPath);
  const label = `model ${modelPath}`;
  const model = await regularFileIn(bundleDir, modelPath, 'invalid_model', label);
  const json = parseModelJson(
    await readJsonCapped(model.abs, DEFAULT_LIMITS.maxJsonBytes, 'invalid_model', label),
  );
  const shards = shardPaths(json, modelPath, refs);
  const files = await Promise.all(
    shards.map((group) =>
      Promise.all(group.map((s) => regularFileIn(bundleDir, s, 'invalid_model', `shard ${s}`))),
    ),
  );
  checkWeightSizes(
    json.weightsManifest,
    files.map((group) => group.map((f) => f.size)),
  );
  const total = files.flat().reduce((sum, f) => sum + f.size, 0);
  const weights = new Uint8Array(total);
  let offset = 0;
  for (const file of files.flat()) {
    const bytes = await readFile(file.abs);
    if (bytes.length !== file.size)
      throw new SketchboardError('invalid_model', 'a weight shard changed size while loading');
    weights.set(bytes, offset);
    offset += bytes.length;
  }
  return { json, weights: weights.buffer };
}

function shapeToDims(shape: readonly (number | null | undefined)[]): Dims {
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : null));
}

/**
 * Loads a TF.js LayersModel or GraphModel from `modelPath` (a model.json) inside `bundleDir`, reading
 * only the shards it lists. Exactly one rank-4 float32 input (usually NHWC) is accepted.
 *
 * @example
 * const model = await loadTfjsModel('/bundles/ab12', 'cnn/model.json');
 * const out = await model.run({ data, dims: [8, 224, 224, 3] }); // dims [8, classes]
 * await model.dispose();
 */
export async function loadTfjsModel(
  bundleDir: string,
  modelPath: string,
  _opts: LoadOptions = {},
): Promise<LoadedModel> {
  const { json, weights } = await readArtifacts(bundleDir, modelPath);
  const kind = modelKind(json);
  const { tf, backend } = await getTf();
  const { weightsManifest, ...rest } = json;
  const handler = tf.io.fromMemory({
    ...rest,
    weightSpecs: weightsManifest.flatMap((g) => g.weights) as Parameters<typeof tf.io.fromMemory>[1],
    weightData: weights,
  });
  const model =
    kind === 'layers'
      ? await tf.loadLayersModel(handler, { strict: true })
      : await tf.loadGraphModel(handler);
  try {
    const runtime: RuntimeStamp = { runtime: 'tfjs', backend, version: tfjsCoreVersion() };
    return new TfjsModel(tf, model, kind, kind === 'graph' && needsAsync(json.modelTopology), runtime);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

class TfjsModel implements LoadedModel {
  readonly format = 'tfjs' as const;
  readonly inputDims: Dims;
  readonly outputDims: Dims | null;
  readonly outputNames: readonly string[];
  private readonly inputName: string;
  private disposed = false;

  constructor(
    private readonly tf: Tf,
    private readonly model: LayersModel | GraphModel,
    private readonly kind: 'layers' | 'graph',
    private readonly isAsync: boolean,
    readonly runtime: RuntimeStamp,
  ) {
    const inputs = model.inputs;
    const describe = inputs.map((i) => `${i.name} [${(i.shape ?? ['?']).map((d) => d ?? '?').join(', ')}]`);
    if (inputs.length !== 1) {
      throw new SketchboardError(
        'invalid_model',
        `expected exactly one image input, the model has: ${describe.join(', ')}`,
      );
    }
    const shape = inputs[0].shape;
    if (shape?.length !== 4 || (inputs[0].dtype ?? 'float32') !== 'float32') {
      throw new SketchboardError(
        'invalid_model',
        `expected one float32 image input of rank 4, got ${describe[0]}`,
      );
    }
    this.inputName = inputs[0].name;
    this.inputDims = shapeToDims(shape);
    const output = model.outputs[0];
    if (!output) throw new SketchboardError('invalid_model', 'the model has no outputs');
    this.outputNames =
      kind === 'layers' ? layerOutputNames(model as LayersModel) : (model as GraphModel).outputNodes;
    this.outputDims = output.shape ? shapeToDims(output.shape) : null;
  }

  async run(input: Tensor): Promise<Tensor> {
    const first = this.outputNames[0];
    return (await this.runOutputs(input, [first])).get(first)!;
  }

  async runOutputs(input: Tensor, names: readonly string[]): Promise<Map<string, Tensor>> {
    if (this.disposed) throw new SketchboardError('internal', 'TF.js model used after dispose()');
    checkOutputNames(names, this.outputNames);
    checkInput(input, this.inputDims);
    return runBatchedOutputs(input, this.inputDims[0], (chunk) => this.runChunk(chunk, names));
  }

  /** Every output the model computes for one chunk, in `outputNames` (layers) or `names` (graph) order. */
  private async execute(chunk: Tensor, names: readonly string[]): Promise<TfTensor[]> {
    const { tf, model, kind, inputName } = this;
    const all = (r: TfTensor | TfTensor[]) => (Array.isArray(r) ? r : [r]);
    if (kind === 'layers') {
      const layers = model as LayersModel;
      return tf.tidy(() => all(layers.predict(tf.tensor(chunk.data, chunk.dims, 'float32'))));
    }
    const graph = model as GraphModel;
    if (!this.isAsync) {
      return tf.tidy(() =>
        all(graph.execute({ [inputName]: tf.tensor(chunk.data, chunk.dims, 'float32') }, [...names])),
      );
    }
    const x = tf.tensor(chunk.data, chunk.dims, 'float32');
    try {
      return all(await graph.executeAsync({ [inputName]: x }, [...names]));
    } finally {
      x.dispose();
    }
  }

  private async runChunk(chunk: Tensor, names: readonly string[]): Promise<Map<string, Tensor>> {
    const tensors = await this.execute(chunk, names);
    const outs = new Map<string, Tensor>();
    try {
      for (const name of names) {
        const i = this.kind === 'layers' ? this.outputNames.indexOf(name) : names.indexOf(name);
        const t = tensors[i];
        if (!t) throw new SketchboardError('model_output', `the model returned no output ${name}`);
        outs.set(name, { data: Float32Array.from(await t.data()), dims: [...t.shape] });
      }
      return outs;
    } finally {
      this.tf.dispose(tensors);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}

/**
 * A LayersModel's output names: the layers that produce them (a Keras head named "fold3" is output
 * "fold3"), or the symbolic tensors' own names when one layer produces several outputs.
 */
function layerOutputNames(model: LayersModel): string[] {
  const layers = model.outputs.map((o) => o.sourceLayer.name);
  return new Set(layers).size === layers.length ? layers : model.outputs.map((o) => o.name);
}
