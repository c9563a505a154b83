// Random warps: elastic deformation (Simard et al. 2003) and grid distortion (albumentations), as kernels with reused scratch.
import { gaussianBlur, remapOffsets, remapSeparable } from './sampling.js';
import type { Kernel, Rng } from './transform.js';

/** Options of `elasticKernel`, in pixels. */
export type ElasticOptions = { alpha: number; sigma: number };

/** Options of `gridDistortionKernel`. */
export type GridDistortionOptions = { steps: number; distortLimit: number };

/**
 * Elastic deformation: two fields of uniform noise in [-1, 1] per pixel, each smoothed by a Gaussian
 * of standard deviation `sigma` (separable, radius 3 sigma, edges clamped) and scaled by `alpha`,
 * are the x and y displacements of a bilinear resampling with white fill. This is Simard et al.'s
 * recipe and albumentations' `ElasticTransform` (non-approximate). `alpha = 0` is the identity.
 *
 * @example
 * const k = elasticKernel({ alpha: 34, sigma: 4 }); k(src, dst, { h: 64, w: 64, c: 1 }, new Rng(1));
 */
export function elasticKernel({ alpha, sigma }: ElasticOptions): Kernel {
  const blur = gaussianBlur(sigma);
  let dx = new Float32Array(0);
  let dy = new Float32Array(0);
  const field = (out: Float32Array, h: number, w: number, rng: Rng) => {
    for (let i = 0; i < out.length; i++) out[i] = 2 * rng.next() - 1;
    blur(out, h, w);
    for (let i = 0; i < out.length; i++) out[i] *= alpha;
  };
  return (src, dst, shape, rng) => {
    const { h, w } = shape;
    if (dx.length !== h * w) {
      dx = new Float32Array(h * w);
      dy = new Float32Array(h * w);
    }
    field(dx, h, w, rng);
    field(dy, h, w, rng);
    remapOffsets(src, dst, shape, dx, dy);
  };
}

/**
 * One axis of a grid distortion: `n` pixels, `steps` equal cells in the output; each cell's source
 * width is its nominal width times (1 + u), u uniform in [-limit, limit], and the widths are rescaled
 * to span the whole axis (albumentations' `normalized=True`), so the edges stay put and nothing white
 * bleeds in. Within a cell the map is linear. Writes the source coordinate of every pixel into `out`.
 */
export function gridAxis(out: Float32Array, n: number, steps: number, limit: number, rng: Rng): void {
  if (n === 1) {
    out[0] = 0;
    return;
  }
  const span = n - 1;
  const cell = span / steps;
  const stretch = new Float64Array(steps);
  let total = 0;
  for (let i = 0; i < steps; i++) {
    stretch[i] = 1 + rng.range(-limit, limit);
    total += stretch[i];
  }
  let x = 0;
  let srcStart = 0;
  for (let i = 0; i < steps; i++) {
    const srcWidth = (span * stretch[i]) / total;
    const end = i === steps - 1 ? span : (i + 1) * cell;
    for (; x <= end; x++) out[x] = srcStart + ((x - i * cell) / cell) * srcWidth;
    srcStart += srcWidth;
  }
}

/**
 * Grid distortion (albumentations `GridDistortion`): the image is cut into `steps` × `steps` cells
 * whose widths and heights are randomly stretched or squeezed by up to `distortLimit` and resampled
 * bilinearly. The map is separable, so it costs two 1-D tables. `distortLimit = 0` is the identity
 * (to float rounding).
 *
 * @example
 * const k = gridDistortionKernel({ steps: 5, distortLimit: 0.3 }); k(src, dst, { h: 64, w: 64, c: 1 }, new Rng(1));
 */
export function gridDistortionKernel({ steps, distortLimit }: GridDistortionOptions): Kernel {
  let xs = new Float32Array(0);
  let ys = new Float32Array(0);
  return (src, dst, shape, rng) => {
    const { h, w } = shape;
    if (xs.length !== w) xs = new Float32Array(w);
    if (ys.length !== h) ys = new Float32Array(h);
    gridAxis(xs, w, steps, distortLimit, rng);
    gridAxis(ys, h, steps, distortLimit, rng);
    remapSeparable(src, dst, shape, xs, ys);
  };
}
