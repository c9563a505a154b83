// Heads on frozen backbone features (linear, MLP-3), built through one factory and a registry.
import { getTf } from '../backends/tfjs.js';
import { buildLinearHead, buildMlp3Head, type HeadOptions } from '../backends/train/architectures.js';
import type { Network } from '../backends/train/network.js';
import { Registry } from '../registry.js';

export type { HeadOptions } from '../backends/train/architectures.js';

/** Built-in head kinds: `linear` = Linear(d, C); `mlp3` = Linear(d, d)-ReLU-Linear(d, C). */
export type HeadKind = 'linear' | 'mlp3';

/** The head registry (name → builder); built-ins: linear, mlp3. */
export const heads = new Registry<(opts: HeadOptions) => Network>('head');
heads.register('linear', buildLinearHead);
heads.register('mlp3', buildMlp3Head);

/**
 * Creates a head on d-dimensional features with seeded initial weights, after choosing the TF.js backend
 * (so its variables live there). Input [N, d], output logits [N, C]. The caller disposes it.
 *
 * @example
 * const head = await createHead('mlp3', { inDim: 1024, classes: 500, seed: 7 });
 * head.paramCount(); // 1024·1024 + 1024 + 1024·500 + 500
 * head.dispose();
 */
export async function createHead(kind: HeadKind | (string & {}), opts: HeadOptions): Promise<Network> {
  const build = heads.get(kind);
  await getTf();
  return build(opts);
}
