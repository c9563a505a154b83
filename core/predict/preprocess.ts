// Image preprocessing as an InputSpec says: decode with sharp, orient, flatten, colour, resize, normalise, lay out.
import sharp, { type OutputInfo } from 'sharp';
import type { Tensor } from '../backends/types.js';
import { type InputSpec, inputKey } from '../bundle/manifest.js';
import { errorMessage, SketchboardError } from '../errors.js';

// Every image is read once per spec: libvips' operation cache would only hold memory.
sharp.cache(false);

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

/** Dims of a batch of `n` images for a spec: [n, C, H, W] (NCHW) or [n, H, W, C] (NHWC). */
export function batchDims(spec: InputSpec, n: number): number[] {
  const [h, w] = spec.size;
  return spec.layout === 'NCHW' ? [n, spec.channels, h, w] : [n, h, w, spec.channels];
}

/** Number of floats one image takes in a batch of this spec. */
export function imageLength(spec: InputSpec): number {
  return spec.size[0] * spec.size[1] * spec.channels;
}

/**
 * Decode one image file to interleaved 8-bit pixels (HWC) of the spec's size and channels:
 * EXIF orientation applied, alpha flattened on white, grayscale or sRGB, resized by `stretch`
 * (fill) or `letterbox` (contain, centred, white fill). Throws SketchboardError('invalid_data')
 * naming the file when it cannot be read or decoded.
 *
 * @example
 * const pixels = await decodeImage('test/0001.png', spec); // Buffer of H*W*C bytes
 */
export async function decodeImage(path: string, spec: InputSpec): Promise<Buffer> {
  const [height, width] = spec.size;
  let img = sharp(path).rotate().flatten({ background: WHITE });
  img = spec.channels === 1 ? img.grayscale() : img.toColourspace('srgb');
  img = img
    .resize({
      width,
      height,
      fit: spec.resize === 'letterbox' ? 'contain' : 'fill',
      position: 'centre',
      background: WHITE,
    })
    .removeAlpha()
    // 8 bits per channel whatever the source depth (16-bit PNG/TIFF included).
    .raw({ depth: 'uchar' });
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await img.toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new SketchboardError('invalid_data', `cannot read image ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const { data, info } = out;
  const bad = info.width !== width || info.height !== height || info.channels !== spec.channels;
  if (bad || data.length !== width * height * spec.channels) {
    throw new SketchboardError(
      'internal',
      `image ${path} decoded to ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×${spec.channels}`,
    );
  }
  return data;
}

/**
 * Scale 8-bit HWC pixels to [0,1], apply (x - mean) / std per channel and write them in the spec's
 * layout into `out` as image number `index` of the batch.
 *
 * @example
 * normaliseInto(pixels, spec, batch, 3);
 */
export function normaliseInto(pixels: Uint8Array, spec: InputSpec, out: Float32Array, index: number): void {
  const [h, w] = spec.size;
  const ch = spec.channels;
  const plane = h * w;
  const base = index * plane * ch;
  for (let c = 0; c < ch; c++) {
    const scale = 1 / (255 * spec.std[c]);
    const offset = -spec.mean[c] / spec.std[c];
    if (spec.layout === 'NCHW') {
      const o = base + c * plane;
      for (let p = 0; p < plane; p++) out[o + p] = pixels[p * ch + c] * scale + offset;
    } else {
      for (let p = 0; p < plane; p++) out[base + p * ch + c] = pixels[p * ch + c] * scale + offset;
    }
  }
}

/**
 * Preprocess a batch of images for several input specs, decoding each image once per distinct
 * spec (by `inputKey`). All decodes are started before this returns its promise, so they proceed
 * on sharp's threads while the caller runs inference on the previous batch.
 *
 * @example
 * const tensors = await preprocessBatch(paths, [specA, specB]); // Map inputKey → Tensor
 */
export function preprocessBatch(paths: string[], specs: InputSpec[]): Promise<Map<string, Tensor>> {
  const distinct = new Map<string, InputSpec>();
  for (const spec of specs) distinct.set(inputKey(spec), spec);
  const n = paths.length;
  const jobs: Promise<void>[] = [];
  const tensors = new Map<string, Tensor>();
  for (const [key, spec] of distinct) {
    const tensor: Tensor = { data: new Float32Array(n * imageLength(spec)), dims: batchDims(spec, n) };
    tensors.set(key, tensor);
    paths.forEach((path, i) => {
      jobs.push(decodeImage(path, spec).then((pixels) => normaliseInto(pixels, spec, tensor.data, i)));
    });
  }
  // allSettled-then-throw: no decode is left rejecting unobserved after the first failure.
  return Promise.allSettled(jobs).then((results) => {
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return tensors;
  });
}

/**
 * Mirror a batch tensor of the given layout: `hflip` reverses the width axis, `vflip` the height
 * axis. Returns a new tensor; the input is left as it was.
 *
 * @example
 * const mirrored = flipTensor(batch, 'NCHW', 'hflip');
 */
export function flipTensor(t: Tensor, layout: InputSpec['layout'], flip: 'hflip' | 'vflip'): Tensor {
  const [n, d1, d2, d3] = t.dims;
  const [ch, h, w] = layout === 'NCHW' ? [d1, d2, d3] : [d3, d1, d2];
  const src = t.data;
  const out = new Float32Array(src.length);
  // Copy rows (NCHW: one channel's W values; NHWC: W pixels of C values) in mirrored order.
  const rowLen = layout === 'NCHW' ? w : w * ch;
  const planes = layout === 'NCHW' ? n * ch : n;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const srcRow = (p * h + y) * rowLen;
      const dstRow = (p * h + (flip === 'vflip' ? h - 1 - y : y)) * rowLen;
      if (flip === 'vflip') {
        out.set(src.subarray(srcRow, srcRow + rowLen), dstRow);
      } else if (layout === 'NCHW') {
        for (let x = 0; x < w; x++) out[dstRow + x] = src[srcRow + w - 1 - x];
      } else {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < ch; c++) out[dstRow + x * ch + c] = src[srcRow + (w - 1 - x) * ch + c];
        }
      }
    }
  }
  return { data: out, dims: [...t.dims] };
}
