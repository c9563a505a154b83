// Trainable layers (conv, dense, batch norm, ReLU, pooling) that also rebuild themselves as tf.layers for export.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../rng.js';
import { conv2d, type Padding } from './conv.js';
import { denseOp } from './dense.js';
import { batchNormInfer, batchNormTrain } from './norm.js';
import { avgPool, globalAvgPool, maxPool } from './pool.js';

/** A named variable of a layer; names are stable paths such as 'stage1.block0.conv1.kernel'. */
export type Param = { name: string; variable: tf.Variable };

/** One trainable building block. Every layer works on NHWC images or [N, features] rows. */
export interface Layer {
  readonly name: string;
  /** Trainable variables, in a fixed order. */
  params(): Param[];
  /** Non-trainable state kept with the weights (BatchNorm moving statistics). */
  buffers(): Param[];
  forward(x: tf.Tensor, training: boolean): tf.Tensor;
  /** Appends the equivalent tf.layers (weights copied) to a functional model under construction. */
  toKeras(x: tf.SymbolicTensor): tf.SymbolicTensor;
  dispose(): void;
}

/**
 * Seeded uniform values in [-limit, limit), the same on every backend.
 *
 * @example
 * const kernel = uniformInit([3, 3, 1, 16], Math.sqrt(6 / 9), 42);
 */
export function uniformInit(shape: number[], limit: number, seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.range(-limit, limit)),
    shape,
  );
}

function variable(name: string, init: tf.Tensor, trainable = true): Param {
  const v = tf.variable(init, trainable);
  init.dispose();
  return { name, variable: v };
}

/**
 * Keras layer names: our dotted paths with underscores.
 *
 * @example
 * kerasName('stage1.block0.conv1'); // 'stage1_block0_conv1'
 */
export const kerasName = (name: string) => name.replace(/\./g, '_');

/** Applies a freshly made tf.layers layer and copies our variables into it. */
function attach(layer: tf.layers.Layer, x: tf.SymbolicTensor, weights: Param[]): tf.SymbolicTensor {
  const out = layer.apply(x) as tf.SymbolicTensor;
  if (weights.length > 0) layer.setWeights(weights.map((p) => p.variable));
  return out;
}

class Base {
  constructor(readonly name: string) {}
  params(): Param[] {
    return [];
  }
  buffers(): Param[] {
    return [];
  }
  dispose(): void {
    for (const p of [...this.params(), ...this.buffers()]) p.variable.dispose();
  }
}

/** Options of a Conv2d layer. */
export type Conv2dOptions = {
  inChannels: number;
  filters: number;
  kernel: number;
  stride?: number;
  padding?: Padding;
  bias?: boolean;
  /** false for the first layer: no gradient for the data. Default true. */
  inputGrad?: boolean;
  seed: number;
};

/**
 * 2-D convolution, He-uniform initialised (limit √(6 / fan-in)), bias off by default (BatchNorm follows).
 *
 * @example
 * const conv = new Conv2d('stem.conv', { inChannels: 1, filters: 16, kernel: 3, seed: 1, inputGrad: false });
 */
export class Conv2d extends Base implements Layer {
  private readonly kernel: Param;
  private readonly bias: Param | null;

  constructor(
    name: string,
    private readonly opts: Conv2dOptions,
  ) {
    super(name);
    const { inChannels: c, filters: f, kernel: k } = opts;
    this.kernel = variable(
      `${name}.kernel`,
      uniformInit([k, k, c, f], Math.sqrt(6 / (k * k * c)), opts.seed),
    );
    this.bias = opts.bias ? variable(`${name}.bias`, tf.zeros([f])) : null;
  }
  override params(): Param[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }
  forward(x: tf.Tensor): tf.Tensor {
    const y = conv2d(x as tf.Tensor4D, this.kernel.variable as tf.Tensor4D, {
      stride: this.opts.stride,
      padding: this.opts.padding,
      inputGrad: this.opts.inputGrad,
    });
    return this.bias ? tf.add(y, this.bias.variable) : y;
  }
  toKeras(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const layer = tf.layers.conv2d({
      name: kerasName(this.name),
      filters: this.opts.filters,
      kernelSize: this.opts.kernel,
      strides: this.opts.stride ?? 1,
      padding: this.opts.padding ?? 'same',
      useBias: Boolean(this.opts.bias),
    });
    return attach(layer, x, this.params());
  }
}

/** Options of a Dense layer. */
export type DenseOptions = { inDim: number; units: number; inputGrad?: boolean; seed: number };

/**
 * Fully connected layer y = x·Wᵀ + b with W stored [out, in] (PyTorch's Linear layout and initialisation,
 * uniform ±1/√in for W and b); toKeras transposes it into a Keras kernel [in, out].
 *
 * @example
 * const fc = new Dense('head.fc', { inDim: 1024, units: 500, seed: 3 });
 */
export class Dense extends Base implements Layer {
  private readonly weight: Param;
  private readonly bias: Param;

  constructor(
    name: string,
    private readonly opts: DenseOptions,
  ) {
    super(name);
    const limit = 1 / Math.sqrt(opts.inDim);
    this.weight = variable(`${name}.weight`, uniformInit([opts.units, opts.inDim], limit, opts.seed));
    this.bias = variable(`${name}.bias`, uniformInit([opts.units], limit, opts.seed + 1));
  }
  override params(): Param[] {
    return [this.weight, this.bias];
  }
  forward(x: tf.Tensor): tf.Tensor {
    const inputGrad = this.opts.inputGrad;
    return tf.add(
      denseOp(x as tf.Tensor2D, this.weight.variable as tf.Tensor2D, { inputGrad }),
      this.bias.variable,
    );
  }
  toKeras(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const layer = tf.layers.dense({ name: kerasName(this.name), units: this.opts.units });
    const out = layer.apply(x) as tf.SymbolicTensor;
    tf.tidy(() => layer.setWeights([tf.transpose(this.weight.variable), this.bias.variable]));
    return out;
  }
}

/** Default BatchNorm settings, as PyTorch: ε = 1e-5, moving averages updated with momentum 0.1. */
export const BATCH_NORM_DEFAULTS = { epsilon: 1e-5, momentum: 0.1 } as const;

/**
 * Batch normalisation over the channel (last) axis. Training uses batch statistics and updates the moving
 * averages (unbiased variance, as PyTorch); inference uses the moving averages.
 *
 * @example
 * const bn = new BatchNorm('stem.bn', 16);
 */
export class BatchNorm extends Base implements Layer {
  private readonly gamma: Param;
  private readonly beta: Param;
  private readonly mean: Param;
  private readonly variance: Param;

  constructor(
    name: string,
    readonly channels: number,
    private readonly settings = BATCH_NORM_DEFAULTS,
  ) {
    super(name);
    this.gamma = variable(`${name}.gamma`, tf.ones([channels]));
    this.beta = variable(`${name}.beta`, tf.zeros([channels]));
    this.mean = variable(`${name}.moving_mean`, tf.zeros([channels]), false);
    this.variance = variable(`${name}.moving_variance`, tf.ones([channels]), false);
  }
  override params(): Param[] {
    return [this.gamma, this.beta];
  }
  override buffers(): Param[] {
    return [this.mean, this.variance];
  }
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const { epsilon, momentum } = this.settings;
    const [gamma, beta] = [this.gamma.variable as tf.Tensor1D, this.beta.variable as tf.Tensor1D];
    if (!training) {
      const [mean, variance] = [this.mean.variable as tf.Tensor1D, this.variance.variable as tf.Tensor1D];
      return batchNormInfer(x, mean, variance, gamma, beta, epsilon);
    }
    return batchNormTrain(x, gamma, beta, epsilon, ({ mean, variance, count }) => {
      const unbiased = count > 1 ? count / (count - 1) : 1;
      this.mean.variable.assign(tf.add(tf.mul(this.mean.variable, 1 - momentum), tf.mul(mean, momentum)));
      const update = tf.mul(variance, momentum * unbiased);
      this.variance.variable.assign(tf.add(tf.mul(this.variance.variable, 1 - momentum), update));
    });
  }
  toKeras(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const layer = tf.layers.batchNormalization({
      name: kerasName(this.name),
      epsilon: this.settings.epsilon,
    });
    return attach(layer, x, [this.gamma, this.beta, this.mean, this.variance]);
  }
}

/** Parameter-free layers: ReLU, max/average pooling (window = stride = 2, 'valid') and global average pooling. */
export class Fixed extends Base implements Layer {
  constructor(
    name: string,
    readonly kind: 'relu' | 'maxpool' | 'avgpool' | 'gap',
  ) {
    super(name);
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (this.kind === 'relu') return tf.relu(x);
    if (this.kind === 'gap') return globalAvgPool(x as tf.Tensor4D);
    return this.kind === 'maxpool' ? maxPool(x as tf.Tensor4D, 2) : avgPool(x as tf.Tensor4D, 2);
  }
  toKeras(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const name = kerasName(this.name);
    const pool = { name, poolSize: 2, strides: 2, padding: 'valid' as const };
    if (this.kind === 'relu') return attach(tf.layers.reLU({ name }), x, []);
    if (this.kind === 'gap') return attach(tf.layers.globalAveragePooling2d({ name }), x, []);
    const layer = this.kind === 'maxpool' ? tf.layers.maxPooling2d(pool) : tf.layers.averagePooling2d(pool);
    return attach(layer, x, []);
  }
}
