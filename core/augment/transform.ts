// The augmentation transform contract: image shapes, seeding per sample, probability, sample-or-batch application.
import type { Tensor } from '../backends/types.js';
import { SketchboardError } from '../errors.js';
import { mixSeed, Rng } from '../rng.js';

export type { Tensor } from '../backends/types.js';
export { Rng } from '../rng.js';

/** Paper white: the value every transform writes where it has no source pixel. */
export const WHITE = 1;

/** One sample's layout: `h` rows of `w` pixels of `c` interleaved channels ([H, W, C], row-major). */
export type SampleShape = { h: number; w: number; c: number };

/** A transform's options after validation: its kind, its probability, and its own fields. */
export type TransformSpec = { readonly kind: string; readonly p: number; readonly [option: string]: unknown };

/**
 * The random-free core of a transform: draws its parameters from `rng` and writes the transformed
 * `src` sample into `dst` (same shape, never the same array). May keep scratch buffers between calls.
 */
export type Kernel = (src: Float32Array, dst: Float32Array, shape: SampleShape, rng: Rng) => void;

/** An augmentation step, applied with probability `p`. Build one with `createTransform` or `compose`. */
export interface Transform {
  readonly kind: string;
  readonly p: number;
  readonly spec: TransformSpec;
  /**
   * One [H, W, C] sample. Draws one number from `rng`; when it is below `p`, writes the transformed
   * `src` into `dst` and returns true, else leaves `dst` untouched and returns false.
   */
  applyInto(src: Float32Array, dst: Float32Array, shape: SampleShape, rng: Rng): boolean;
  /**
   * A sample [H, W, C] or a batch [N, H, W, C] into a new tensor. Sample i is driven by
   * `sampleRng(seed, i)`, so an image gives the same result alone as at index 0 of a batch.
   */
  apply(images: Tensor, seed: number): Tensor;
}

/**
 * The random source of sample `index` under `seed`: the same pair always gives the same stream.
 *
 * @example
 * const rng = sampleRng(7, 0); rng.next(); // same value on every run
 */
export function sampleRng(seed: number, index: number): Rng {
  return new Rng(mixSeed(seed, index));
}

/**
 * The number of samples and the per-sample shape of an [H, W, C] or [N, H, W, C] tensor.
 * Throws `invalid_argument` for other ranks, empty sizes or a data length that does not match.
 *
 * @example
 * imageLayout({ data: new Float32Array(2 * 4 * 4), dims: [2, 4, 4, 1] }); // { n: 2, shape: { h: 4, w: 4, c: 1 } }
 */
export function imageLayout(images: Tensor): { n: number; shape: SampleShape } {
  const { dims, data } = images;
  if (dims.length !== 3 && dims.length !== 4) {
    throw new SketchboardError(
      'invalid_argument',
      `augment: expected an image [H, W, C] or a batch [N, H, W, C], got dims [${dims.join(', ')}]`,
    );
  }
  const [n, h, w, c] = dims.length === 4 ? dims : [1, ...dims];
  for (const d of [n, h, w, c]) {
    if (!Number.isInteger(d) || d < 1) {
      throw new SketchboardError(
        'invalid_argument',
        `augment: dims [${dims.join(', ')}] must be positive integers`,
      );
    }
  }
  if (data.length !== n * h * w * c) {
    throw new SketchboardError(
      'invalid_argument',
      `augment: dims [${dims.join(', ')}] need ${n * h * w * c} values, data has ${data.length}`,
    );
  }
  return { n, shape: { h, w, c } };
}

/** Apply `t` to every sample of `images` into a new tensor (the shared body of `Transform.apply`). */
export function applyToImages(t: Transform, images: Tensor, seed: number): Tensor {
  const { n, shape } = imageLayout(images);
  const size = shape.h * shape.w * shape.c;
  const out = new Float32Array(images.data.length);
  for (let i = 0; i < n; i++) {
    const src = images.data.subarray(i * size, (i + 1) * size);
    const dst = out.subarray(i * size, (i + 1) * size);
    if (!t.applyInto(src, dst, shape, sampleRng(seed, i))) dst.set(src);
  }
  return { data: out, dims: [...images.dims] };
}

/**
 * Wrap a kernel into a Transform that runs it with probability `spec.p`. Exactly one number is drawn
 * for the decision, then the kernel draws its own parameters from the same stream.
 *
 * @example
 * const invert = defineTransform({ kind: 'invert', p: 1 }, (src, dst) => { for (let i = 0; i < src.length; i++) dst[i] = 1 - src[i]; });
 */
export function defineTransform(spec: TransformSpec, kernel: Kernel): Transform {
  const t: Transform = {
    kind: spec.kind,
    p: spec.p,
    spec,
    applyInto(src, dst, shape, rng) {
      if (rng.next() >= spec.p) return false;
      kernel(src, dst, shape, rng);
      return true;
    },
    apply: (images, seed) => applyToImages(t, images, seed),
  };
  return t;
}
