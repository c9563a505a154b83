// The trainable network of a run, built from its RunModel (ResNet-style CNN, or a linear / MLP-3 head on features).

import { getTf } from '../backends/tfjs.js';
import { buildLinearHead, buildMlp3Head, buildResNet } from '../backends/train/architectures.js';
import type { Network } from '../backends/train/network.js';
import { SketchboardError } from '../errors.js';
import type { RunModel } from './run.js';

/** The TF.js LayersModel a fold exports (type only: core/train never imports TF.js itself). */
export type FoldModel = ReturnType<Network['toLayersModel']>;

/**
 * Builds the network a run trains, with weights initialised from `seed`, after choosing the TF.js backend
 * (so its variables live on it). The caller disposes it.
 *
 * @example
 * const net = await buildNetwork(run.model, mixSeed(run.seed, fold));
 */
export async function buildNetwork(model: RunModel, seed: number): Promise<Network> {
  await getTf();
  const classes = model.classes;
  if (model.kind === 'cnn') {
    if (!model.cnn) throw new SketchboardError('invalid_data', 'run.json: a cnn model needs "cnn" options');
    const [h, w] = model.input.size;
    const { width, depth } = model.cnn;
    return buildResNet({ width, depth, inputShape: [h, w, model.input.channels], classes, seed });
  }
  if (!model.backbone || !model.head) {
    throw new SketchboardError('invalid_data', 'run.json: a head model needs "backbone" and "head"');
  }
  const opts = { inDim: model.backbone.featureDim, classes, seed };
  return model.head === 'linear' ? buildLinearHead(opts) : buildMlp3Head(opts);
}
