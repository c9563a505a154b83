// Checks of one model against the manifest: input dims, the output a leaf reads, finite [rows, classes] outputs.
import type { LoadedModel, Tensor } from '../backends/types.js';
import type { InputSpec, ResolvedLeaf } from '../bundle/manifest.js';
import { type ErrorCode, errorMessage, isSketchboardError, SketchboardError } from '../errors.js';
import { batchDims } from './preprocess.js';

const fmt = (dims: readonly (number | null)[]) => `[${dims.map((d) => d ?? '?').join(', ')}]`;

/**
 * Throws SketchboardError('invalid_model') when a model's declared input dims cannot take a batch
 * preprocessed by `spec` (rank 4, and every declared non-batch dim equal to the spec's).
 *
 * @example
 * checkInputDims('cnn/model.json', model.inputDims, leaf.input);
 */
export function checkInputDims(
  modelPath: string,
  declared: readonly (number | null)[],
  spec: InputSpec,
): void {
  const want = batchDims(spec, 1);
  const fits = declared.length === 4 && declared.every((d, i) => i === 0 || d === null || d === want[i]);
  if (!fits) {
    throw new SketchboardError(
      'invalid_model',
      `model ${modelPath} takes input ${fmt(declared)} but the manifest's input spec gives ` +
        `${fmt([null, ...want.slice(1)])} (size ${spec.size.join('×')}, ${spec.channels} channel(s), ${spec.layout})`,
    );
  }
}

/**
 * Throws SketchboardError(code, default 'model_output') naming the model unless `out` is exactly
 * [rows, classes] of finite values.
 *
 * @example
 * checkOutput(await model.run(batch), 32, manifest.classes, 'large/fold0.onnx');
 */
export function checkOutput(
  out: Tensor,
  rows: number,
  classes: number,
  modelPath: string,
  code: ErrorCode = 'model_output',
  outputName?: string,
): void {
  const { dims, data } = out;
  const who = outputName === undefined ? `model ${modelPath}` : `model ${modelPath} output ${outputName}`;
  if (dims.length !== 2 || dims[0] !== rows || dims[1] !== classes || data.length !== rows * classes) {
    throw new SketchboardError(
      code,
      `${who} returned output [${dims.join(', ')}] for a batch of ${rows}; the manifest needs ` +
        `[${rows}, ${classes}] (one score per class)`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / classes);
      throw new SketchboardError(
        code,
        `${who} returned ${data[i]} (row ${row} of the batch, class ${i % classes}): NaN and Inf are refused`,
      );
    }
  }
}

/**
 * The output a leaf reads: its `outputName`, or the model's only output. Throws
 * SketchboardError('invalid_model') naming the model when the name is not one of the model's outputs,
 * or when the leaf names none and the model has several.
 *
 * @example
 * leafOutput({ id: '0', model: 'large.onnx', outputName: 'fold3', ... }, model); // 'fold3'
 */
export function leafOutput(leaf: Pick<ResolvedLeaf, 'model' | 'outputName'>, model: LoadedModel): string {
  const names = model.outputNames;
  const listed = `${names.length} output${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
  if (leaf.outputName === undefined) {
    if (names.length === 1) return names[0];
    throw new SketchboardError(
      'invalid_model',
      `model ${leaf.model} has ${listed}; name one with outputName`,
    );
  }
  if (!names.includes(leaf.outputName)) {
    throw new SketchboardError(
      'invalid_model',
      `model ${leaf.model} has no output "${leaf.outputName}"; it has ${listed}`,
    );
  }
  return leaf.outputName;
}

/**
 * Run a model on a batch and check its output (checkOutput). A failure inside the runtime becomes
 * SketchboardError(code) naming the model.
 *
 * @example
 * const out = await runChecked(model, batch, 'large/fold0.onnx', manifest.classes);
 */
export async function runChecked(
  model: LoadedModel,
  input: Tensor,
  modelPath: string,
  classes: number,
  code: ErrorCode = 'model_output',
): Promise<Tensor> {
  let out: Tensor;
  try {
    out = await model.run(input);
  } catch (err) {
    if (isSketchboardError(err)) throw err;
    throw new SketchboardError(
      code,
      `model ${modelPath} failed on a batch of ${input.dims[0]}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  checkOutput(out, input.dims[0], classes, modelPath, code);
  return out;
}

/**
 * runChecked for several outputs of one model: ONE run (model.runOutputs) gives every name, each checked
 * to be a finite [rows, classes] table (errors name the output when the model has several).
 *
 * @example
 * const outs = await runOutputsChecked(model, batch, 'large.onnx', ['fold0', 'fold3'], manifest.classes);
 */
export async function runOutputsChecked(
  model: LoadedModel,
  input: Tensor,
  modelPath: string,
  names: readonly string[],
  classes: number,
  code: ErrorCode = 'model_output',
): Promise<Map<string, Tensor>> {
  let outs: Map<string, Tensor>;
  try {
    outs = await model.runOutputs(input, names);
  } catch (err) {
    if (isSketchboardError(err)) throw err;
    throw new SketchboardError(
      code,
      `model ${modelPath} failed on a batch of ${input.dims[0]}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const several = model.outputNames.length > 1;
  for (const name of names) {
    const out = outs.get(name);
    if (!out) throw new SketchboardError(code, `model ${modelPath} returned no output ${name}`);
    checkOutput(out, input.dims[0], classes, modelPath, code, several ? name : undefined);
  }
  return outs;
}
