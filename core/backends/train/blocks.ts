// Composite layers: a sequence of layers and the ResNet basic block (two 3x3 convs with BN and a shortcut).
import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Fixed, kerasName, type Layer, type Param } from './layers.js';

/**
 * Layers applied one after another.
 *
 * @example
 * const body = new Sequence('stem', [conv, bn, new Fixed('stem.relu', 'relu')]);
 */
export class Sequence implements Layer {
  constructor(
    readonly name: string,
    readonly layers: Layer[],
  ) {}
  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }
  buffers(): Param[] {
    return this.layers.flatMap((l) => l.buffers());
  }
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y, training);
    return y;
  }
  toKeras(x: tf.SymbolicTensor): tf.SymbolicTensor {
    let y = x;
    for (const layer of this.layers) y = layer.toKeras(y);
    return y;
  }
  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}

/**
 * conv → BN → [2x2 max pool] → ReLU, the unit every CNN here starts with. The pool comes before the ReLU:
 * the two commute (ReLU is monotonic), and the ReLU then touches a quarter of the values.
 *
 * @example
 * const unit = convBnRelu('conv1', { inChannels: 1, filters: 32, pool: true, inputGrad: false, seed: 1 });
 */
export function convBnRelu(
  name: string,
  opts: {
    inChannels: number;
    filters: number;
    kernel?: number;
    stride?: number;
    pool?: boolean;
    inputGrad?: boolean;
    seed: number;
  },
): Sequence {
  const { pool, ...conv } = opts;
  return new Sequence(name, [
    new Conv2d(`${name}.conv`, { kernel: 3, ...conv }),
    new BatchNorm(`${name}.bn`, opts.filters),
    ...(pool ? [new Fixed(`${name}.pool`, 'maxpool')] : []),
    new Fixed(`${name}.relu`, 'relu'),
  ]);
}

/**
 * ResNet basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), where the shortcut is the
 * identity, or a strided 1x1 conv + BN when the stride or the channel count changes (He et al., option B).
 *
 * @example
 * const block = new BasicBlock('stage2.block0', { inChannels: 16, filters: 32, stride: 2, seed: 7 });
 */
export class BasicBlock implements Layer {
  private readonly main: Sequence;
  private readonly shortcut: Sequence | null;

  constructor(
    readonly name: string,
    opts: { inChannels: number; filters: number; stride: number; seed: number },
  ) {
    const { inChannels, filters, stride, seed } = opts;
    this.main = new Sequence(`${name}.main`, [
      new Conv2d(`${name}.conv1`, { inChannels, filters, kernel: 3, stride, seed }),
      new BatchNorm(`${name}.bn1`, filters),
      new Fixed(`${name}.relu1`, 'relu'),
      new Conv2d(`${name}.conv2`, { inChannels: filters, filters, kernel: 3, seed: seed + 1 }),
      new BatchNorm(`${name}.bn2`, filters),
    ]);
    this.shortcut =
      stride === 1 && inChannels === filters
        ? null
        : new Sequence(`${name}.shortcut`, [
            new Conv2d(`${name}.down`, { inChannels, filters, kernel: 1, stride, seed: seed + 2 }),
            new BatchNorm(`${name}.down_bn`, filters),
          ]);
  }
  params(): Param[] {
    return [...this.main.params(), ...(this.shortcut?.params() ?? [])];
  }
  buffers(): Param[] {
    return [...this.main.buffers(), ...(this.shortcut?.buffers() ?? [])];
  }
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const skip = this.shortcut ? this.shortcut.forward(x, training) : x;
    return tf.relu(tf.add(this.main.forward(x, training), skip));
  }
  toKeras(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const main = this.main.toKeras(x);
    const skip = this.shortcut ? this.shortcut.toKeras(x) : x;
    const sum = tf.layers
      .add({ name: kerasName(`${this.name}.add`) })
      .apply([main, skip]) as tf.SymbolicTensor;
    return tf.layers.reLU({ name: kerasName(`${this.name}.relu`) }).apply(sum) as tf.SymbolicTensor;
  }
  dispose(): void {
    this.main.dispose();
    this.shortcut?.dispose();
  }
}
