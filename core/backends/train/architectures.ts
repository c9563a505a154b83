// Network builders: the small ResNet, the plain conv stack, and the linear / MLP-3 heads on frozen features.

import { SketchboardError } from '../../errors.js';
import { mixSeed } from '../../rng.js';
import { BasicBlock, convBnRelu, Sequence } from './blocks.js';
import { Dense, Fixed, type Layer } from './layers.js';
import { Network } from './network.js';

/** Options of the small ResNet. */
export type ResNetOptions = {
  /** Channels of the stem and the first stage; stage s has width·2^s. */
  width: number;
  /** Basic blocks per stage. */
  depth: number;
  /** [H, W, C]. */
  inputShape: [number, number, number];
  classes: number;
  /** Stages; every stage after the first halves the resolution. Default 3. */
  stages?: number;
  /** 2x2 max pool after the stem. Default: when the input is at least 32 pixels high. */
  stemPool?: boolean;
  seed?: number;
};

function positiveInt(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new SketchboardError('invalid_argument', `${what} must be a positive integer, got ${value}`);
  }
}

/**
 * A ResNet-style CNN: stem conv-BN(-max pool)-ReLU → stages of basic blocks → global average pool →
 * Dense(classes). Outputs logits.
 *
 * @example
 * const net = buildResNet({ width: 16, depth: 1, inputShape: [64, 64, 1], classes: 50 });
 */
export function buildResNet(opts: ResNetOptions): Network {
  const { width, depth, inputShape, classes } = opts;
  const stages = opts.stages ?? 3;
  const seed = opts.seed ?? 0;
  for (const [what, v] of [
    ['width', width],
    ['depth', depth],
    ['stages', stages],
    ['classes', classes],
  ] as const) {
    positiveInt(what, v);
  }
  const pool = opts.stemPool ?? inputShape[0] >= 32;
  const stem = { inChannels: inputShape[2], filters: width, pool, inputGrad: false, seed: mixSeed(seed, 0) };
  const layers: Layer[] = [convBnRelu('stem', stem)];
  let channels = width;
  for (let s = 0; s < stages; s++) {
    const filters = width * 2 ** s;
    for (let b = 0; b < depth; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const blockSeed = mixSeed(seed, s + 1, b);
      layers.push(
        new BasicBlock(`stage${s + 1}.block${b}`, { inChannels: channels, filters, stride, seed: blockSeed }),
      );
      channels = filters;
    }
  }
  layers.push(new Fixed('pool', 'gap'));
  layers.push(new Dense('fc', { inDim: channels, units: classes, seed: mixSeed(seed, 99) }));
  return new Network('resnet', new Sequence('resnet', layers), inputShape, classes);
}

/** Options of the plain conv stack. */
export type PlainCnnOptions = {
  /** Filters of each conv-BN-maxpool-ReLU stage, e.g. [32, 64, 128]. */
  filters: number[];
  inputShape: [number, number, number];
  classes: number;
  seed?: number;
};

/**
 * A plain CNN: per entry of `filters` a 3x3 conv-BN, a 2x2 max pool and a ReLU, then global average pool →
 * Dense(classes). With [32, 64, 128] it is the benchmark's 3-conv net. Outputs logits.
 *
 * @example
 * const net = buildPlainCnn({ filters: [32, 64, 128], inputShape: [64, 64, 1], classes: 50 });
 */
export function buildPlainCnn(opts: PlainCnnOptions): Network {
  const seed = opts.seed ?? 0;
  if (opts.filters.length === 0) throw new SketchboardError('invalid_argument', 'plain CNN: no conv stages');
  for (const f of opts.filters) positiveInt('filters', f);
  positiveInt('classes', opts.classes);
  const layers: Layer[] = [];
  let channels = opts.inputShape[2];
  opts.filters.forEach((filters, i) => {
    const s = mixSeed(seed, i);
    layers.push(
      convBnRelu(`conv${i + 1}`, { inChannels: channels, filters, pool: true, inputGrad: i > 0, seed: s }),
    );
    channels = filters;
  });
  layers.push(new Fixed('pool', 'gap'));
  layers.push(new Dense('fc', { inDim: channels, units: opts.classes, seed: mixSeed(seed, 99) }));
  return new Network('plain_cnn', new Sequence('plain_cnn', layers), opts.inputShape, opts.classes);
}

/** Options of a head on frozen features. */
export type HeadOptions = { inDim: number; classes: number; seed?: number };

/**
 * Linear(d, C) on frozen features.
 *
 * @example
 * const head = buildLinearHead({ inDim: 1024, classes: 500 });
 */
export function buildLinearHead(opts: HeadOptions): Network {
  positiveInt('inDim', opts.inDim);
  positiveInt('classes', opts.classes);
  const fc = new Dense('fc', {
    inDim: opts.inDim,
    units: opts.classes,
    inputGrad: false,
    seed: opts.seed ?? 0,
  });
  return new Network('linear', new Sequence('linear', [fc]), [opts.inDim], opts.classes);
}

/**
 * MLP-3 head: Linear(d, d) → ReLU → Linear(d, C), the reference team's head.
 *
 * @example
 * const head = buildMlp3Head({ inDim: 1024, classes: 500, seed: 1 });
 */
export function buildMlp3Head(opts: HeadOptions): Network {
  const { inDim, classes } = opts;
  positiveInt('inDim', inDim);
  positiveInt('classes', classes);
  const seed = opts.seed ?? 0;
  return new Network(
    'mlp3',
    new Sequence('mlp3', [
      new Dense('fc1', { inDim, units: inDim, inputGrad: false, seed: mixSeed(seed, 1) }),
      new Fixed('relu', 'relu'),
      new Dense('fc2', { inDim, units: classes, seed: mixSeed(seed, 2) }),
    ]),
    [inDim],
    classes,
  );
}
