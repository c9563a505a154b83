// Training images in memory: decoded once as NHWC [0, 1] pixels (augmentations fill with white = 1), normalised per batch.
import type { Tensor } from '../backends/types.js';
import type { InputSpec } from '../bundle/manifest.js';
import { mapLimit } from '../data/io.js';
import { decodeImage, imageLength, normaliseInto } from '../predict/preprocess.js';

/** Images decoded at once. */
const DECODE_CONCURRENCY = 16;

/** All training images of a run: [N, H, W, C] pixels in [0, 1], the run's size, channels and resize. */
export type ImageSet = { data: Float32Array; n: number; h: number; w: number; c: number };

/**
 * Decodes every image once, with the same decoding as scoring (sharp: orientation, white flatten, resize)
 * but without mean/std, so augmentation sees paper white as 1. `onProgress(done)` after each image.
 *
 * @example
 * const set = await loadImages(items.map((i) => i.imagePath), run.model.input);
 */
export async function loadImages(
  paths: readonly string[],
  spec: InputSpec,
  onProgress: (done: number) => void = () => {},
): Promise<ImageSet> {
  const raw: InputSpec = {
    ...spec,
    layout: 'NHWC',
    mean: new Array<number>(spec.channels).fill(0),
    std: new Array<number>(spec.channels).fill(1),
  };
  const data = new Float32Array(paths.length * imageLength(raw));
  let done = 0;
  await mapLimit(paths, DECODE_CONCURRENCY, async (p, i) => {
    normaliseInto(await decodeImage(p, raw), raw, data, i);
    onProgress(++done);
  });
  const [h, w] = spec.size;
  return { data, n: paths.length, h, w, c: spec.channels };
}

/**
 * Copies the images at `indices` into one batch [indices.length, H, W, C] (still [0, 1] pixels).
 *
 * @example
 * const batch = gatherImages(set, [4, 9, 2]);
 */
export function gatherImages(set: ImageSet, indices: readonly number[]): Tensor {
  const size = set.h * set.w * set.c;
  const out = new Float32Array(indices.length * size);
  indices.forEach((idx, k) => {
    out.set(set.data.subarray(idx * size, (idx + 1) * size), k * size);
  });
  return { data: out, dims: [indices.length, set.h, set.w, set.c] };
}

/**
 * Turns a [N, H, W, C] batch of [0, 1] pixels into the model's input: (x - mean) / std per channel, then
 * the spec's layout (NCHW is transposed). Returns a new tensor.
 *
 * @example
 * const x = modelInput(batch, run.model.input); // what the CNN or the backbone takes
 */
export function modelInput(batch: Tensor, spec: InputSpec): Tensor {
  const [n, h, w, c] = batch.dims;
  const src = batch.data;
  const out = new Float32Array(src.length);
  const scale = spec.std.map((s) => 1 / s);
  const plane = h * w;
  if (spec.layout === 'NHWC') {
    for (let i = 0; i < src.length; i += c) {
      for (let ch = 0; ch < c; ch++) out[i + ch] = (src[i + ch] - spec.mean[ch]) * scale[ch];
    }
    return { data: out, dims: [n, h, w, c] };
  }
  for (let s = 0; s < n; s++) {
    const base = s * plane * c;
    for (let ch = 0; ch < c; ch++) {
      const o = base + ch * plane;
      for (let p = 0; p < plane; p++) out[o + p] = (src[base + p * c + ch] - spec.mean[ch]) * scale[ch];
    }
  }
  return { data: out, dims: [n, c, h, w] };
}

/**
 * Copies rows `indices` of an [N, d] matrix into a new [indices.length, d] tensor.
 *
 * @example
 * const x = gatherRows(features, dim, batchIndices);
 */
export function gatherRows(matrix: Float32Array, dim: number, indices: readonly number[]): Tensor {
  const out = new Float32Array(indices.length * dim);
  indices.forEach((idx, k) => {
    out.set(matrix.subarray(idx * dim, (idx + 1) * dim), k * dim);
  });
  return { data: out, dims: [indices.length, dim] };
}
