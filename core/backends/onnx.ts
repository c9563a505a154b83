// ONNX models as LoadedModel: reference check, session, one rank-4 image input and named outputs, batched runs.
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { modelReferences } from '../bundle/references.js';
import { SketchboardError } from '../errors.js';
import { checkInput, checkOutputNames, runBatchedOutputs } from './batching.js';
import { createSession, getOrt, ortVersion } from './onnx-session.js';
import type { LoadedModel, LoadOptions, RuntimeStamp, Tensor } from './types.js';

type Dims = (number | null)[];

/** ORT reports symbolic dims as strings and unknown ones as '' or -1: all of those are dynamic (null). */
function toDims(shape: readonly (number | string)[]): Dims {
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : null));
}

function describe(meta: Ort.InferenceSession.ValueMetadata): string {
  if (!meta.isTensor) return `${meta.name} (not a tensor)`;
  return `${meta.name} ${meta.type}[${meta.shape.map((d) => (d === '' ? '?' : d)).join(', ')}]`;
}

/** One output of an ONNX model, from session metadata. */
type OutputIo = { name: string; dims: Dims | null; float: boolean; described: string };

/** The one image input and every output from session metadata, refusing anything else. */
export function imageIo(session: Ort.InferenceSession): {
  inputName: string;
  inputDims: Dims;
  outputs: OutputIo[];
} {
  const inputs = session.inputMetadata;
  if (inputs.length !== 1) {
    throw new SketchboardError(
      'invalid_model',
      `expected exactly one image input, the model has ${inputs.length}: ${inputs.map(describe).join(', ') || 'none'}`,
    );
  }
  const input = inputs[0];
  if (!input.isTensor || input.type !== 'float32' || input.shape.length !== 4) {
    throw new SketchboardError(
      'invalid_model',
      `expected one float32 image input of rank 4 (N, C, H, W or N, H, W, C), got ${describe(input)}`,
    );
  }
  const outputs = session.outputMetadata.map((o) => ({
    name: o.name,
    dims: o.isTensor && o.shape.length > 0 ? toDims(o.shape) : null,
    float: o.isTensor && (o.type === 'float32' || o.type === 'float64'),
    described: describe(o),
  }));
  if (outputs.length === 0) throw new SketchboardError('invalid_model', 'the model has no outputs');
  if (!outputs.some((o) => o.float)) {
    throw new SketchboardError(
      'invalid_model',
      `expected a float32 or float64 output, got ${outputs.map((o) => o.described).join(', ')}`,
    );
  }
  return { inputName: input.name, inputDims: toDims(input.shape), outputs };
}

/**
 * Loads an ONNX model from a bundle directory. External-data references are checked (plain names inside
 * the bundle) before ORT reads a byte; the session is then created from the file path.
 *
 * @example
 * const model = await loadOnnxModel('/bundles/ab12', 'large/fold0.onnx', { threads: 4 });
 * const probs = await model.run({ data, dims: [7, 3, 224, 224] }); // dims [7, 500]
 * await model.dispose();
 */
export async function loadOnnxModel(
  bundleDir: string,
  modelPath: string,
  opts: LoadOptions = {},
): Promise<LoadedModel> {
  await modelReferences(bundleDir, modelPath);
  const file = path.join(bundleDir, ...modelPath.split('/'));
  const { session, provider } = await createSession(file, opts);
  try {
    const io = imageIo(session);
    const runtime: RuntimeStamp = { runtime: 'onnxruntime', backend: provider, version: ortVersion() };
    return new OnnxModel(session, await getOrt(), io, runtime);
  } catch (err) {
    await session.release();
    throw err;
  }
}

class OnnxModel implements LoadedModel {
  readonly format = 'onnx' as const;
  readonly inputDims: Dims;
  readonly outputDims: Dims | null;
  readonly outputNames: readonly string[];
  private readonly fixedBatch: number | null;
  private disposed = false;

  constructor(
    private readonly session: Ort.InferenceSession,
    private readonly ort: typeof Ort,
    private readonly io: ReturnType<typeof imageIo>,
    readonly runtime: RuntimeStamp,
  ) {
    this.inputDims = io.inputDims;
    this.outputDims = io.outputs[0].dims;
    this.outputNames = io.outputs.map((o) => o.name);
    this.fixedBatch = io.inputDims[0];
  }

  async run(input: Tensor): Promise<Tensor> {
    const first = this.outputNames[0];
    return (await this.runOutputs(input, [first])).get(first)!;
  }

  async runOutputs(input: Tensor, names: readonly string[]): Promise<Map<string, Tensor>> {
    if (this.disposed) throw new SketchboardError('internal', 'ONNX model used after dispose()');
    checkOutputNames(names, this.outputNames);
    for (const name of names) {
      const meta = this.io.outputs.find((o) => o.name === name)!;
      if (!meta.float) {
        throw new SketchboardError(
          'invalid_model',
          `expected output ${name} to be float32 or float64, got ${meta.described}`,
        );
      }
    }
    checkInput(input, this.inputDims);
    return runBatchedOutputs(input, this.fixedBatch, (chunk) => this.runChunk(chunk, names));
  }

  private async runChunk(chunk: Tensor, names: readonly string[]): Promise<Map<string, Tensor>> {
    const feed = new this.ort.Tensor('float32', chunk.data, chunk.dims);
    const results = await this.session.run({ [this.io.inputName]: feed }, [...names]);
    const outs = new Map<string, Tensor>();
    try {
      for (const name of names) {
        const out = results[name];
        const data = out.data;
        if (!(data instanceof Float32Array || data instanceof Float64Array)) {
          throw new SketchboardError('model_output', `output ${name} has type ${out.type}, expected float32`);
        }
        outs.set(name, { data: Float32Array.from(data), dims: [...out.dims] });
      }
      return outs;
    } finally {
      for (const out of Object.values(results)) out.dispose();
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
