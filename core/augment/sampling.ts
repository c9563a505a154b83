// Pixel kernels on one [H, W, C] sample: flips, bilinear resampling with white fill, rotation, separable Gaussian blur.
import { type SampleShape, WHITE } from './transform.js';

/**
 * Mirror left-right: dst[y][x] = src[y][W-1-x].
 *
 * @example
 * hflipInto(Float32Array.of(1, 2, 3), out, { h: 1, w: 3, c: 1 }); // out = [3, 2, 1]
 */
export function hflipInto(src: Float32Array, dst: Float32Array, { h, w, c }: SampleShape): void {
  if (c === 1) {
    for (let row = 0; row < h * w; row += w) {
      for (let x = 0, from = row + w - 1; x < w; x++, from--) dst[row + x] = src[from];
    }
    return;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    for (let x = 0; x < w; x++) {
      const to = row + x * c;
      const from = row + (w - 1 - x) * c;
      for (let k = 0; k < c; k++) dst[to + k] = src[from + k];
    }
  }
}

/**
 * Mirror top-bottom: dst[y] = src[H-1-y], whole rows at a time.
 *
 * @example
 * vflipInto(Float32Array.of(1, 2, 3, 4), out, { h: 2, w: 2, c: 1 }); // out = [3, 4, 1, 2]
 */
export function vflipInto(src: Float32Array, dst: Float32Array, { h, w, c }: SampleShape): void {
  const rowLen = w * c;
  for (let y = 0; y < h; y++) {
    const from = (h - 1 - y) * rowLen;
    dst.set(src.subarray(from, from + rowLen), y * rowLen);
  }
}

/**
 * Bilinear sample of `src` at (sx, sy) into dst[at .. at+C). Neighbours outside the image count as
 * white, so an exact integer position returns that pixel exactly, even on the last row or column.
 */
export function sampleBilinear(
  src: Float32Array,
  dst: Float32Array,
  at: number,
  { h, w, c }: SampleShape,
  sx: number,
  sy: number,
): void {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h || Number.isNaN(sx + sy)) {
    for (let k = 0; k < c; k++) dst[at + k] = WHITE;
    return;
  }
  const fx = sx - x0;
  const fy = sy - y0;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const i00 = (y0 * w + x0) * c;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
    const i10 = i00 + w * c;
    for (let k = 0; k < c; k++) {
      dst[at + k] = src[i00 + k] * w00 + src[i00 + c + k] * w01 + src[i10 + k] * w10 + src[i10 + c + k] * w11;
    }
    return;
  }
  const inX0 = x0 >= 0;
  const inX1 = x0 + 1 < w;
  const inY0 = y0 >= 0;
  const inY1 = y0 + 1 < h;
  for (let k = 0; k < c; k++) {
    const v00 = inX0 && inY0 ? src[i00 + k] : WHITE;
    const v01 = inX1 && inY0 ? src[i00 + c + k] : WHITE;
    const v10 = inX0 && inY1 ? src[i00 + w * c + k] : WHITE;
    const v11 = inX1 && inY1 ? src[i00 + w * c + c + k] : WHITE;
    dst[at + k] = v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11;
  }
}

/**
 * Resample through per-pixel source maps: dst[y][x] = src at (x + dx[y*W+x], y + dy[y*W+x]).
 * Zero maps give the identity exactly.
 */
export function remapOffsets(
  src: Float32Array,
  dst: Float32Array,
  shape: SampleShape,
  dx: Float32Array,
  dy: Float32Array,
): void {
  const { h, w, c } = shape;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      sampleBilinear(src, dst, i * c, shape, x + dx[i], y + dy[i]);
    }
  }
}

/**
 * Resample through separable maps: dst[y][x] = src at (xs[x], ys[y]) (grid distortion's shape).
 */
export function remapSeparable(
  src: Float32Array,
  dst: Float32Array,
  shape: SampleShape,
  xs: Float32Array,
  ys: Float32Array,
): void {
  const { h, w, c } = shape;
  for (let y = 0; y < h; y++) {
    const sy = ys[y];
    for (let x = 0; x < w; x++) sampleBilinear(src, dst, (y * w + x) * c, shape, xs[x], sy);
  }
}

/**
 * Rotate by `degrees` about the image centre, counter-clockwise as seen on screen (y pointing down),
 * bilinear, white where the rotated source does not reach. 90° on a square image is a transpose
 * followed by a vertical flip.
 *
 * @example
 * rotateInto(src, dst, { h: 64, w: 64, c: 1 }, 10);
 */
export function rotateInto(src: Float32Array, dst: Float32Array, shape: SampleShape, degrees: number): void {
  const { h, w, c } = shape;
  const rad = (degrees * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    const oy = y - cy;
    // Inverse map: the source of output (x, y) is the output offset rotated back by -degrees.
    let sx = cx - sin * oy - cos * cx;
    let sy = cy + cos * oy - sin * cx;
    for (let x = 0; x < w; x++) {
      sampleBilinear(src, dst, (y * w + x) * c, shape, sx, sy);
      sx += cos;
      sy += sin;
    }
  }
}

/** A normalised 1-D Gaussian kernel of radius ceil(3 sigma) (weights sum to 1). */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/**
 * A separable Gaussian blur of single-channel h×w fields, in place, edges clamped (scipy's "nearest").
 * The returned function keeps its scratch (a padded row and an h×w buffer) between calls; both passes
 * run along rows, so memory is read in order.
 *
 * @example
 * const blur = gaussianBlur(4); blur(field, 64, 64);
 */
export function gaussianBlur(sigma: number): (field: Float32Array, h: number, w: number) => void {
  const kernel = gaussianKernel(sigma);
  const r = (kernel.length - 1) >> 1;
  let tmp = new Float32Array(0);
  let pad = new Float32Array(0);
  return (field, h, w) => {
    if (tmp.length !== h * w) tmp = new Float32Array(h * w);
    if (pad.length !== w + 2 * r) pad = new Float32Array(w + 2 * r);
    blurRows(field, tmp, pad, kernel, h, w);
    blurColumns(tmp, field, kernel, h, w);
  };
}

/** Horizontal pass: each row, edge-padded into `pad`, convolved with `kernel` into `out`. */
function blurRows(
  field: Float32Array,
  out: Float32Array,
  pad: Float32Array,
  kernel: Float32Array,
  h: number,
  w: number,
): void {
  const r = (kernel.length - 1) >> 1;
  const taps = kernel.length;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = 0; i < r; i++) pad[i] = field[row];
    for (let x = 0; x < w; x++) pad[r + x] = field[row + x];
    for (let i = r + w; i < w + 2 * r; i++) pad[i] = field[row + w - 1];
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = 0; k < taps; k++) acc += kernel[k] * pad[x + k];
      out[row + x] = acc;
    }
  }
}

/** Vertical pass, row by row (contiguous reads): out row y = sum over k of kernel[k] · field row clamp(y + k - r). */
function blurColumns(
  field: Float32Array,
  out: Float32Array,
  kernel: Float32Array,
  h: number,
  w: number,
): void {
  const r = (kernel.length - 1) >> 1;
  for (let y = 0; y < h; y++) {
    const to = y * w;
    for (let x = 0; x < w; x++) out[to + x] = 0;
    for (let k = -r; k <= r; k++) {
      const weight = kernel[k + r];
      const from = (y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k) * w;
      for (let x = 0; x < w; x++) out[to + x] += weight * field[from + x];
    }
  }
}
