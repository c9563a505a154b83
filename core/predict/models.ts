// A bundle's models, loaded once each and checked against the manifest: input dims, output shape, finite values.
import { loadModel } from '../backends/index.js';
import type { LoadedModel, LoadOptions, RuntimeStamp, Tensor } from '../backends/types.js';
import { type InputSpec, inputKey, listLeaves, type ResolvedLeaf } from '../bundle/manifest.js';
import type { OpenedBundle } from '../bundle/open.js';
import { type ErrorCode, errorMessage, isSketchboardError, SketchboardError } from '../errors.js';
import { batchDims, imageLength } from './preprocess.js';

/** The part of an opened bundle the predictor needs. */
export type BundleLike = Pick<OpenedBundle, 'dir' | 'manifest'>;

/** Loads one model file of a bundle (the backends' loadModel; tests may pass another). */
export type ModelLoader = (bundleDir: string, modelPath: string, opts?: LoadOptions) => Promise<LoadedModel>;

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
): void {
  const { dims, data } = out;
  if (dims.length !== 2 || dims[0] !== rows || dims[1] !== classes || data.length !== rows * classes) {
    throw new SketchboardError(
      code,
      `model ${modelPath} returned output [${dims.join(', ')}] for a batch of ${rows}; the manifest needs ` +
        `[${rows}, ${classes}] (one score per class)`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / classes);
      throw new SketchboardError(
        code,
        `model ${modelPath} returned ${data[i]} (row ${row} of the batch, class ${i % classes}): NaN and Inf are refused`,
      );
    }
  }
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
 * Load every distinct model file of the bundle once and check its input dims against each leaf's
 * spec (`only`: just the models of those leaf ids). On any failure the models loaded so far are
 * disposed before the error is rethrown.
 *
 * @example
 * const models = await loadBundleModels(bundle, { threads: 4 });
 */
export async function loadBundleModels(
  bundle: BundleLike,
  opts: { load?: LoadOptions; loader?: ModelLoader; only?: ReadonlySet<string> } = {},
): Promise<Map<string, LoadedModel>> {
  const loader = opts.loader ?? loadModel;
  const models = new Map<string, LoadedModel>();
  try {
    for (const leaf of listLeaves(bundle.manifest)) {
      if (opts.only && !opts.only.has(leaf.id)) continue;
      let model = models.get(leaf.model);
      if (!model) {
        model = await loader(bundle.dir, leaf.model, opts.load);
        models.set(leaf.model, model);
      }
      checkInputDims(leaf.model, model.inputDims, leaf.input);
    }
  } catch (err) {
    await disposeAll(models);
    throw err;
  }
  return models;
}

/** Dispose every model, even when some dispose() calls fail. */
export async function disposeAll(models: Map<string, LoadedModel>): Promise<void> {
  await Promise.allSettled([...models.values()].map((m) => m.dispose()));
}

/** Distinct runtime stamps of the loaded models, in load order. */
export function runtimeStamps(models: Map<string, LoadedModel>): RuntimeStamp[] {
  const seen = new Map<string, RuntimeStamp>();
  for (const m of models.values()) seen.set(JSON.stringify(m.runtime), m.runtime);
  return [...seen.values()];
}

/** What checkBundleModels found out about one model file. */
export type ModelReport = {
  model: string;
  format: LoadedModel['format'];
  runtime: RuntimeStamp;
  inputDims: (number | null)[];
  /** The distinct input specs (by inputKey) it was run with. */
  inputs: InputSpec[];
};

/**
 * Upload-time validation: load every model of the bundle, run one dummy batch of 2 images for each
 * input spec it is used with, and require a finite [2, classes] output. Throws
 * SketchboardError('invalid_model') naming the model; returns a report per model file.
 *
 * @example
 * const report = await checkBundleModels(await openBundle('upload.zip'));
 */
export async function checkBundleModels(
  bundle: BundleLike,
  opts: { load?: LoadOptions; loader?: ModelLoader } = {},
): Promise<ModelReport[]> {
  const models = await loadBundleModels(bundle, opts);
  try {
    const byModel = new Map<string, ResolvedLeaf[]>();
    for (const leaf of listLeaves(bundle.manifest))
      byModel.set(leaf.model, [...(byModel.get(leaf.model) ?? []), leaf]);
    const reports: ModelReport[] = [];
    for (const [path, leaves] of byModel) {
      const model = models.get(path)!;
      const specs = new Map(leaves.map((l) => [inputKey(l.input), l.input]));
      for (const spec of specs.values()) {
        const dummy: Tensor = {
          data: new Float32Array(2 * imageLength(spec)).fill(0.5),
          dims: batchDims(spec, 2),
        };
        await runChecked(model, dummy, path, bundle.manifest.classes, 'invalid_model');
      }
      const { format, runtime, inputDims } = model;
      reports.push({ model: path, format, runtime, inputDims: [...inputDims], inputs: [...specs.values()] });
    }
    return reports;
  } finally {
    await disposeAll(models);
  }
}
