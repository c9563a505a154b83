// Trainable 2-D convolution (NHWC, no bias): weight gradient as one matmul over transposed im2col patches.
import * as tf from '@tensorflow/tfjs';
import { SketchboardError } from '../../errors.js';
import { customOp } from './custom.js';

/** TF.js / Keras padding modes. */
export type Padding = 'same' | 'valid';

/** Output size and padding of one spatial axis. */
export type AxisGeometry = { out: number; before: number; after: number };

/**
 * Output size and padding of one spatial axis under TF's rules: 'valid' pads nothing; 'same' gives
 * ceil(size / stride) outputs and puts the odd pixel of padding after (bottom/right).
 *
 * @example
 * axisGeometry(7, 3, 2, 'same'); // { out: 4, before: 1, after: 1 }
 * axisGeometry(8, 3, 2, 'same'); // { out: 4, before: 0, after: 1 }
 */
export function axisGeometry(size: number, kernel: number, stride: number, padding: Padding): AxisGeometry {
  if (padding === 'valid') {
    const out = Math.floor((size - kernel) / stride) + 1;
    if (out < 1) {
      throw new SketchboardError('invalid_argument', `conv: kernel ${kernel} larger than input ${size}`);
    }
    return { out, before: 0, after: 0 };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/**
 * im2col, already transposed: rows are (kernel row, kernel column, input channel) in the order of a
 * [kH, kW, C, F] filter reshaped to [kH*kW*C, F]; columns are output pixels (n, y, x). So the weight
 * gradient is one plain matmul, patchesT(x) @ dy[N*outH*outW, F].
 *
 * @example
 * const cols = im2colT(x, 3, 3, 1, axisGeometry(32, 3, 1, 'same'), axisGeometry(32, 3, 1, 'same'));
 * cols.shape; // [9 * C, N * 32 * 32]
 */
export function im2colT(
  x: tf.Tensor4D,
  kH: number,
  kW: number,
  stride: number,
  gh: AxisGeometry,
  gw: AxisGeometry,
): tf.Tensor2D {
  const [n, , , c] = x.shape;
  return tf.tidy(() => {
    let xc: tf.Tensor4D = tf.transpose(x, [3, 0, 1, 2]);
    if (gh.before + gh.after + gw.before + gw.after > 0) {
      xc = tf.pad(xc, [
        [0, 0],
        [0, 0],
        [gh.before, gh.after],
        [gw.before, gw.after],
      ]);
    }
    const parts: tf.Tensor4D[] = [];
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        parts.push(
          stride === 1
            ? tf.slice(xc, [0, 0, i, j], [c, n, gh.out, gw.out])
            : (tf.stridedSlice(
                xc,
                [0, 0, i, j],
                [c, n, i + (gh.out - 1) * stride + 1, j + (gw.out - 1) * stride + 1],
                [1, 1, stride, stride],
              ) as tf.Tensor4D),
        );
      }
    }
    const stacked = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    return tf.reshape(stacked, [kH * kW * c, n * gh.out * gw.out]);
  });
}

/**
 * Weight gradient of a conv as ONE plain matmul, patchesT @ dy. For stride 1 the patches are built from
 * whole rows: x is laid out as [C·N, Hp·Wp] rows (channels first, padded), and the patch of kernel offset
 * (i, j) is one contiguous shift by i·Wp + j of every row — output columns Wp wide instead of outW, the
 * extra columns meeting zero-padded dy. That makes 9 fast row copies instead of 9·C·N·outH short ones
 * (TF.js's wasm Slice copies row by row). Other strides use im2colT.
 *
 * @example
 * const dw = convFilterGrad(x, dy, 3, 3, 1, gh, gw); // [3, 3, C, F]
 */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kH: number,
  kW: number,
  stride: number,
  gh: AxisGeometry,
  gw: AxisGeometry,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const f = dy.shape[3];
  return tf.tidy(() => {
    if (stride > 1) {
      const cols = im2colT(x, kH, kW, stride, gh, gw);
      return tf.reshape(tf.matMul(cols, tf.reshape(dy, [cols.shape[1], f])), [kH, kW, c, f]);
    }
    const hp = h + gh.before + gh.after;
    const wp = w + gw.before + gw.after;
    // One extra zero row keeps the last shift, (kH - 1)·Wp + kW - 1 + outH·Wp, inside every row.
    const padded = tf.pad(tf.transpose(x, [3, 0, 1, 2]), [
      [0, 0],
      [0, 0],
      [gh.before, gh.after + 1],
      [gw.before, gw.after],
    ]);
    const rows = tf.reshape(padded, [c * n, (hp + 1) * wp]) as tf.Tensor2D;
    const span = gh.out * wp;
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        parts.push(tf.reshape(tf.slice(rows, [0, i * wp + j], [c * n, span]), [c, n * span]));
      }
    }
    const cols = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    const wide =
      wp > gw.out
        ? tf.pad(dy, [
            [0, 0],
            [0, 0],
            [0, wp - gw.out],
            [0, 0],
          ])
        : dy;
    return tf.reshape(tf.matMul(cols, tf.reshape(wide, [n * span, f]) as tf.Tensor2D), [kH, kW, c, f]);
  });
}

/** Inserts stride-1 zeros between the pixels of dy (the transposed conv's input), keeping the trailing zeros. */
function dilate(dy: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const spaced = tf.pad(tf.reshape(dy, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, stride - 1],
    [0, 0],
    [0, stride - 1],
    [0, 0],
  ]);
  return tf.reshape(spaced, [n, h * stride, w * stride, c]);
}

/**
 * Gradient of a conv with respect to its input: a forward conv of the dilated, padded dy with the
 * spatially flipped filter whose in/out channels are swapped (no conv2dTranspose, slow on wasm).
 *
 * @example
 * const dx = convInputGrad(dy, w, 1, gh, gw, [32, 32]); // [N, 32, 32, C]
 */
export function convInputGrad(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  gh: AxisGeometry,
  gw: AxisGeometry,
  inSize: [number, number],
): tf.Tensor4D {
  const [kH, kW] = w.shape;
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
    let d = dilate(dy, stride);
    // Padding so that dx[i] = sum_k d[i + k] * flipped[k]; the dilation already added stride-1 zeros at the end.
    const top = kH - 1 - gh.before;
    const left = kW - 1 - gw.before;
    let bottom = inSize[0] + gh.before - (gh.out - 1) * stride - 1 - (stride - 1);
    let right = inSize[1] + gw.before - (gw.out - 1) * stride - 1 - (stride - 1);
    if (bottom < 0 || right < 0) {
      const [n, h, wd, c] = d.shape;
      d = tf.slice(d, [0, 0, 0, 0], [n, h + Math.min(bottom, 0), wd + Math.min(right, 0), c]);
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    return tf.conv2d(d, flipped, 1, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
  });
}

/** Options of conv2d. */
export type ConvOptions = {
  stride?: number;
  padding?: Padding;
  /** Compute the input gradient (false for a network's first layer, whose input is data). Default true. */
  inputGrad?: boolean;
};

/**
 * A differentiable NHWC convolution without bias. Forward is tf.conv2d; the weight gradient is
 * one matmul over transposed im2col patches (convFilterGrad) and the input gradient a forward conv with the flipped filter, so training needs
 * neither Conv2DBackpropFilter (missing on wasm) nor transposed matmuls.
 *
 * @example
 * const y = conv2d(x, kernel, { stride: 2, padding: 'same' }); // kernel [3, 3, Cin, Cout]
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, opts: ConvOptions = {}): tf.Tensor4D {
  const stride = opts.stride ?? 1;
  const padding = opts.padding ?? 'same';
  const inputGrad = opts.inputGrad ?? true;
  const [, h, wd, c] = x.shape;
  const [kH, kW, wc] = w.shape;
  if (wc !== c) {
    throw new SketchboardError('invalid_argument', `conv: input has ${c} channels, filter expects ${wc}`);
  }
  const gh = axisGeometry(h, kH, stride, padding);
  const gw = axisGeometry(wd, kW, stride, padding);
  return customOp<tf.Tensor4D>(inputGrad ? [x, w] : [w], (save) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, stride, padding),
      backward: (dy, [xs, ws]) => {
        const dw = convFilterGrad(xs as tf.Tensor4D, dy, kH, kW, stride, gh, gw);
        if (!inputGrad) return [dw];
        return [convInputGrad(dy, ws as tf.Tensor4D, stride, gh, gw, [h, wd]), dw];
      },
    };
  });
}
