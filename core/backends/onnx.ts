// ONNX models as LoadedModel: reference check, session, one rank-4 image input from metadata, batched runs.
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { modelReferences } from '../bundle/references.js';
import { SketchboardError } from '../errors.js';
import { checkInput, runBatched } from './batching.js';
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

/** Picks the one image input and the first output from session metadata, refusing anything else. */
export function imageIo(session: Ort.InferenceSession): {
  inputName: string;
  inputDims: Dims;
  outputName: string;
  outputDims: Dims | null;
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
  const output = session.outputMetadata[0];
  if (!output) throw new SketchboardError('invalid_model', 'the model has no outputs');
  if (!output.isTensor || (output.type !== 'float32' && output.type !== 'float64')) {
    throw new SketchboardError(
      'invalid_model',
      `expected a float32 or float64 first output, got ${describe(output)}`,
    );
  }
  return {
    inputName: input.name,
    inputDims: toDims(input.shape),
    outputName: output.name,
    outputDims: output.shape.length > 0 ? toDims(output.shape) : null,
  };
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
  private readonly fixedBatch: number | null;
  private disposed = false;

  constructor(
    private readonly session: Ort.InferenceSession,
    private readonly ort: typeof Ort,
    private readonly io: ReturnType<typeof imageIo>,
    readonly runtime: RuntimeStamp,
  ) {
    this.inputDims = io.inputDims;
    this.outputDims = io.outputDims;
    this.fixedBatch = io.inputDims[0];
  }

  async run(input: Tensor): Promise<Tensor> {
    if (this.disposed) throw new SketchboardError('internal', 'ONNX model used after dispose()');
    checkInput(input, this.inputDims);
    return runBatched(input, this.fixedBatch, (chunk) => this.runChunk(chunk));
  }

  private async runChunk(chunk: Tensor): Promise<Tensor> {
    const { inputName, outputName } = this.io;
    const feed = new this.ort.Tensor('float32', chunk.data, chunk.dims);
    const results = await this.session.run({ [inputName]: feed }, [outputName]);
    const out = results[outputName];
    try {
      const data = out.data;
      if (!(data instanceof Float32Array || data instanceof Float64Array)) {
        throw new SketchboardError(
          'model_output',
          `output ${outputName} has type ${out.type}, expected float32`,
        );
      }
      return { data: Float32Array.from(data), dims: [...out.dims] };
    } finally {
      out.dispose();
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
