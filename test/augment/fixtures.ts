// Small images for the augmentation tests: seeded noise, hand-made grids, and exact reference flips.
import { Rng, type SampleShape, type Tensor } from '../../core/augment/index.js';

/** A [H, W, C] image of seeded values in [0, 1). */
export function noise(h: number, w: number, c = 1, seed = 1): Tensor {
  const rng = new Rng(seed);
  const data = new Float32Array(h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { data, dims: [h, w, c] };
}

/** A batch [N, H, W, C] of distinct noise images. */
export function noiseBatch(n: number, h: number, w: number, c = 1): Tensor {
  const data = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) data.set(noise(h, w, c, 100 + i).data, i * h * w * c);
  return { data, dims: [n, h, w, c] };
}

/** Pixel (y, x, k) of an [H, W, C] image. */
export function at(img: Tensor, y: number, x: number, k = 0): number {
  const [, w, c] = img.dims;
  return img.data[(y * w + x) * c + k];
}

/** A new [H, W, C] image with out(y, x) = img(f(y, x)) — the reference for exact geometric checks. */
export function mapPixels(
  img: Tensor,
  outH: number,
  outW: number,
  f: (y: number, x: number) => [number, number],
): Tensor {
  const c = img.dims[2];
  const data = new Float32Array(outH * outW * c);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const [sy, sx] = f(y, x);
      for (let k = 0; k < c; k++) data[(y * outW + x) * c + k] = at(img, sy, sx, k);
    }
  }
  return { data, dims: [outH, outW, c] };
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expectSameLength(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function expectSameLength(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
}

/** The shape of one [H, W, C] image tensor. */
export function shapeOf(img: Tensor): SampleShape {
  const [h, w, c] = img.dims;
  return { h, w, c };
}
