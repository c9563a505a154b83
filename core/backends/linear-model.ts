// Build a TF.js linear classifier (Flatten → Dense) from given weights, and save TF.js models to a folder.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { writeFileAtomic } from '../data/io.js';
import { SketchboardError } from '../errors.js';
import { getTf } from './tfjs.js';

export type LinearModelSpec = {
  /** Per-sample input shape, NHWC: [height, width, channels]. */
  inputShape: [number, number, number];
  /** Row-major [features, classes] kernel, features = h*w*c in NHWC order. */
  kernel: Float32Array;
  bias: Float32Array;
  /** 'logits' (no activation) or 'probabilities' (softmax). */
  output: 'logits' | 'probabilities';
};

/**
 * A Flatten → Dense model with the given weights; exportable to ONNX and savable as TF.js.
 *
 * @example
 * const model = await buildLinearModel({ inputShape: [32, 32, 1], kernel, bias, output: 'logits' });
 */
export async function buildLinearModel(spec: LinearModelSpec): Promise<LayersModel> {
  const { tf } = await getTf();
  const [h, w, c] = spec.inputShape;
  const features = h * w * c;
  const classes = spec.bias.length;
  if (spec.kernel.length !== features * classes) {
    throw new SketchboardError(
      'invalid_argument',
      `linear model: kernel has ${spec.kernel.length} values, expected ${features}×${classes}`,
    );
  }
  // Fixed names: TF.js numbers unnamed layers per process, which would make saved files differ.
  const model = tf.sequential({
    name: 'linear_classifier',
    layers: [
      tf.layers.flatten({ inputShape: spec.inputShape, name: 'flatten' }),
      tf.layers.dense({
        units: classes,
        activation: spec.output === 'logits' ? 'linear' : 'softmax',
        name: 'classifier',
      }),
    ],
  });
  tf.tidy(() => {
    model.layers[1].setWeights([tf.tensor2d(spec.kernel, [features, classes]), tf.tensor1d(spec.bias)]);
  });
  return model;
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (err) {
    throw new SketchboardError('internal', `cannot write ${path}`, { cause: err });
  }
}

/**
 * Save a LayersModel as TF.js `model.json` plus one weight shard, both by plain name in `dir`.
 * Returns the model.json path relative to `dir`.
 *
 * @example
 * await saveLayersModel(model, 'bundle/cnn'); // bundle/cnn/model.json + bundle/cnn/weights.bin
 */
export async function saveLayersModel(
  model: LayersModel,
  dir: string,
  fileName = 'model.json',
): Promise<string> {
  const { tf } = await getTf();
  await mkdir(dir, { recursive: true });
  const shard =
    fileName.replace(/\.json$/i, '') === 'model' ? 'weights.bin' : `${fileName.replace(/\.json$/i, '')}.bin`;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes =
        data === undefined ? new Uint8Array(0) : new Uint8Array(tf.io.concatenateArrayBuffers(data));
      await writeAtomic(join(dir, shard), bytes);
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeAtomic(join(dir, fileName), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return fileName;
}
