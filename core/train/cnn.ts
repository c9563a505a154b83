// CNNs trained from scratch (the small ResNet, the plain conv stack), built through one factory and a registry.
import { getTf } from '../backends/tfjs.js';
import {
  buildPlainCnn,
  buildResNet,
  type PlainCnnOptions,
  type ResNetOptions,
} from '../backends/train/architectures.js';
import type { Network } from '../backends/train/network.js';
import { Registry } from '../registry.js';

export type { PlainCnnOptions, ResNetOptions } from '../backends/train/architectures.js';

/** Options of createCnn: the ResNet's, with `arch` naming a registered architecture (default 'resnet'). */
export type CnnOptions =
  | ({ arch?: 'resnet' } & ResNetOptions)
  | ({ arch: 'plain' } & PlainCnnOptions)
  | ({ arch: string & {} } & Record<string, unknown>);

/** The CNN registry (name → builder of raw options); built-ins: resnet, plain. */
export const cnns = new Registry<(opts: never) => Network>('cnn');
cnns.register('resnet', buildResNet);
cnns.register('plain', buildPlainCnn);

/**
 * Creates a CNN with seeded initial weights after choosing the TF.js backend. The default is the small
 * ResNet: stem conv-BN(-max pool)-ReLU, `stages` (default 3) of `depth` basic blocks with width·2^s
 * channels, global average pool, Dense(classes); input NHWC [N, H, W, C], output logits [N, classes].
 *
 * @example
 * const net = await createCnn({ width: 16, depth: 1, inputShape: [64, 64, 1], classes: 50, seed: 1 });
 * const plain = await createCnn({ arch: 'plain', filters: [32, 64, 128], inputShape: [64, 64, 1], classes: 50 });
 */
export async function createCnn(opts: CnnOptions): Promise<Network> {
  const { arch = 'resnet', ...rest } = opts;
  const build = cnns.get(arch) as (o: typeof rest) => Network;
  await getTf();
  return build(rest);
}
