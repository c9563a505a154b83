// The one door to the ML runtimes: load a bundle's model file as a LoadedModel, report runtime versions.
import { isSafeRelativePath, modelFormatOf } from '../bundle/manifest.js';
import { errorMessage, isSketchboardError, SketchboardError } from '../errors.js';
import { loadOnnxModel } from './onnx.js';
import { ortVersion } from './onnx-session.js';
import { chosenTfBackend, tfjsCoreVersion } from './tfjs.js';
import { loadTfjsModel } from './tfjs-loader.js';
import type { LoadedModel, LoadOptions } from './types.js';

export type { LoadedModel, LoadOptions, RuntimeStamp, Tensor } from './types.js';

/**
 * Loads a model file of a bundle: `.onnx` → onnxruntime-node, `.json` (a TF.js model.json) → TF.js.
 * `modelPath` is relative to `bundleDir` with forward slashes, as the manifest names it. Runtime options
 * come only from `opts` (server/CLI), never from the bundle. Any failure to load is a
 * SketchboardError 'invalid_model' naming the model (or 'runtime_unavailable' when no runtime can run it).
 *
 * @example
 * const model = await loadModel('/srv/bundles/ab12', 'large/fold0.onnx');
 * const out = await model.run({ data: pixels, dims: [16, 3, 224, 224] });
 * console.log(model.runtime); // { runtime: 'onnxruntime', backend: 'cpu', version: '1.30.0' }
 * await model.dispose();
 */
export async function loadModel(
  bundleDir: string,
  modelPath: string,
  opts: LoadOptions = {},
): Promise<LoadedModel> {
  const fail = (
    reason: string,
    cause?: unknown,
    code: 'invalid_model' | 'runtime_unavailable' = 'invalid_model',
  ) =>
    new SketchboardError(code, reason.includes(modelPath) ? reason : `model ${modelPath}: ${reason}`, {
      cause,
    });
  if (!isSafeRelativePath(modelPath)) throw fail('not a relative path inside the bundle');
  const format = modelFormatOf(modelPath);
  const loader = format === 'onnx' ? loadOnnxModel : format === 'tfjs' ? loadTfjsModel : null;
  if (!loader) throw fail('unknown model format (expected a .onnx file or a TF.js model.json)');
  try {
    return await loader(bundleDir, modelPath, opts);
  } catch (err) {
    if (isSketchboardError(err, 'runtime_unavailable')) throw fail(err.message, err, 'runtime_unavailable');
    if (isSketchboardError(err, 'invalid_argument')) throw err;
    throw fail(errorMessage(err), err);
  }
}

/**
 * Versions of the ML runtimes, for recording with scores. `tfjs-backend` is the backend chosen so far
 * ('unselected' before the first TF.js model is loaded).
 *
 * @example
 * runtimeVersions(); // { 'onnxruntime-node': '1.30.0', 'tfjs-core': '4.22.0', 'tfjs-backend': 'wasm' }
 */
export function runtimeVersions(): Record<string, string> {
  return {
    'onnxruntime-node': ortVersion(),
    'tfjs-core': tfjsCoreVersion(),
    'tfjs-backend': chosenTfBackend() ?? 'unselected',
  };
}
