// A bundle's models, loaded once each and checked against the manifest: input dims, output names and shapes, finite values.
import { loadModel } from '../backends/index.js';
import type { LoadedModel, LoadOptions, RuntimeStamp, Tensor } from '../backends/types.js';
import { type InputSpec, inputKey, listLeaves, type ResolvedLeaf } from '../bundle/manifest.js';
import type { OpenedBundle } from '../bundle/open.js';
import { SketchboardError } from '../errors.js';
import { checkInputDims, leafOutput, runOutputsChecked } from './model-checks.js';
import { batchDims, imageLength } from './preprocess.js';

export {
  checkInputDims,
  checkOutput,
  leafOutput,
  runChecked,
  runOutputsChecked,
} from './model-checks.js';

/** The part of an opened bundle the predictor needs. */
export type BundleLike = Pick<OpenedBundle, 'dir' | 'manifest'>;

/** Loads one model file of a bundle (the backends' loadModel; tests may pass another). */
export type ModelLoader = (bundleDir: string, modelPath: string, opts?: LoadOptions) => Promise<LoadedModel>;

/**
 * Load every distinct model file of the bundle once and check its input dims against each leaf's
 * spec and each leaf's output name against the model's outputs (leafOutput); `only`: just the models
 * of those leaf ids. On any failure the models loaded so far are disposed before the error is rethrown.
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
      leafOutput(leaf, model);
    }
  } catch (err) {
    await disposeAll(models);
    throw err;
  }
  return models;
}

/** One pass of one model file over one input spec: every output its leaves read, and those leaves. */
export type ModelRun = {
  path: string;
  model: LoadedModel;
  spec: InputSpec;
  names: string[];
  leaves: { id: string; output: string }[];
};

/**
 * Groups leaves by (model file, input spec), in first-appearance order, resolving each leaf's output
 * (leafOutput): the predictor runs each group's model once per batch and TTA view for all its outputs.
 *
 * @example
 * groupModelRuns(listLeaves(manifest), models).map((r) => [r.path, r.names]); // [['large.onnx', ['fold0', 'fold1']]]
 */
export function groupModelRuns(
  leaves: readonly ResolvedLeaf[],
  models: ReadonlyMap<string, LoadedModel>,
): ModelRun[] {
  const runs = new Map<string, ModelRun>();
  for (const leaf of leaves) {
    const model = models.get(leaf.model);
    if (!model) throw new SketchboardError('internal', `model ${leaf.model} was not loaded`);
    const output = leafOutput(leaf, model);
    const key = JSON.stringify([leaf.model, inputKey(leaf.input)]);
    let run = runs.get(key);
    if (!run) {
      run = { path: leaf.model, model, spec: leaf.input, names: [], leaves: [] };
      runs.set(key, run);
    }
    if (!run.names.includes(output)) run.names.push(output);
    run.leaves.push({ id: leaf.id, output });
  }
  return [...runs.values()];
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
  /** The model's outputs the manifest's leaves read (each checked on every spec it is read with). */
  outputs: string[];
};

/**
 * Upload-time validation: load every model of the bundle, check each leaf's output name, run one dummy
 * batch of 2 images for each input spec it is used with (one run giving every output read with that
 * spec), and require a finite [2, classes] table from each of those outputs. Throws
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
    const reports = new Map<string, ModelReport>();
    for (const run of groupModelRuns(listLeaves(bundle.manifest), models)) {
      const { spec, names, model } = run;
      const dummy: Tensor = {
        data: new Float32Array(2 * imageLength(spec)).fill(0.5),
        dims: batchDims(spec, 2),
      };
      await runOutputsChecked(model, dummy, run.path, names, bundle.manifest.classes, 'invalid_model');
      const { format, runtime, inputDims } = model;
      const report: ModelReport = reports.get(run.path) ?? {
        model: run.path,
        format,
        runtime,
        inputDims: [...inputDims],
        inputs: [],
        outputs: [],
      };
      report.inputs.push(spec);
      for (const name of names) if (!report.outputs.includes(name)) report.outputs.push(name);
      reports.set(run.path, report);
    }
    return [...reports.values()];
  } finally {
    await disposeAll(models);
  }
}
