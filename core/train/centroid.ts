// Nearest-centroid baseline: a closed-form linear classifier from class-mean images (no gradient training).
import type { InputSpec } from '../bundle/manifest.js';
import type { TrainItem } from '../data/layout.js';
import { SketchboardError } from '../errors.js';
import { imageLength, preprocessBatch } from '../predict/preprocess.js';

export type LinearWeights = { kernel: Float32Array; bias: Float32Array; features: number; classes: number };

const CHUNK = 64;

/**
 * Fit a nearest-centroid classifier on preprocessed training images. The returned linear layer
 * computes logits_c = (2·μ_c·x − ‖μ_c‖²) / τ, which ranks classes exactly as −‖x − μ_c‖² does;
 * τ (a temperature) is the mean squared distance of the training images to their own centroid,
 * so the soft-maxed scores are neither flat nor saturated. `spec.layout` must be NHWC (the
 * layout of the TF.js/ONNX models built from these weights).
 *
 * @example
 * const w = await fitNearestCentroid(train.items, spec, train.classNames.length);
 */
export async function fitNearestCentroid(
  items: TrainItem[],
  spec: InputSpec,
  classes: number,
  onProgress?: (done: number, total: number) => void,
): Promise<LinearWeights> {
  if (spec.layout !== 'NHWC') {
    throw new SketchboardError('invalid_argument', 'nearest-centroid baseline needs an NHWC input spec');
  }
  const d = imageLength(spec);
  const sums = new Float64Array(classes * d);
  const counts = new Float64Array(classes);
  const features: Float32Array[] = [];
  for (let start = 0; start < items.length; start += CHUNK) {
    const chunk = items.slice(start, start + CHUNK);
    const [tensor] = (
      await preprocessBatch(
        chunk.map((i) => i.imagePath),
        [spec],
      )
    ).values();
    chunk.forEach((item, r) => {
      if (item.target < 0 || item.target >= classes) {
        throw new SketchboardError(
          'invalid_data',
          `${item.relPath}: target ${item.target} outside 0..${classes - 1}`,
        );
      }
      const row = tensor.data.subarray(r * d, (r + 1) * d);
      features.push(row);
      counts[item.target] += 1;
      const base = item.target * d;
      for (let j = 0; j < d; j++) sums[base + j] += row[j];
    });
    onProgress?.(Math.min(start + CHUNK, items.length), items.length);
  }
  const empty = [...counts.keys()].filter((c) => counts[c] === 0);
  if (empty.length > 0) {
    throw new SketchboardError('invalid_data', `no training images for class(es) ${empty.join(', ')}`);
  }
  const centroids = new Float32Array(classes * d);
  for (let c = 0; c < classes; c++) {
    for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j] / counts[c];
  }
  // Temperature: mean squared distance of each image to its own class centroid.
  let spread = 0;
  features.forEach((row, i) => {
    const base = items[i].target * d;
    for (let j = 0; j < d; j++) spread += (row[j] - centroids[base + j]) ** 2;
  });
  const tau = Math.max(spread / features.length, 1e-6);
  const kernel = new Float32Array(d * classes);
  const bias = new Float32Array(classes);
  for (let c = 0; c < classes; c++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const m = centroids[c * d + j];
      kernel[j * classes + c] = (2 * m) / tau;
      norm += m * m;
    }
    bias[c] = -norm / tau;
  }
  return { kernel, bias, features: d, classes };
}
