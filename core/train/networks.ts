// The trainable network of a run, built from its RunModel through the createCnn / createHead factories.
import type { Network } from '../backends/train/network.js';
import { SketchboardError } from '../errors.js';
import { createCnn } from './cnn.js';
import { createHead } from './heads.js';
import type { RunModel } from './run.js';

/** The TF.js LayersModel a fold exports (type only: core/train never imports TF.js itself). */
export type FoldModel = ReturnType<Network['toLayersModel']>;

/**
 * Builds the network a run trains, with weights initialised from `seed` (on the chosen TF.js backend).
 * The caller disposes it.
 *
 * @example
 * const net = await buildNetwork(run.model, mixSeed(run.seed, fold));
 */
export async function buildNetwork(model: RunModel, seed: number): Promise<Network> {
  const classes = model.classes;
  if (model.kind === 'cnn') {
    if (!model.cnn) throw new SketchboardError('invalid_data', 'run.json: a cnn model needs "cnn" options');
    const [h, w] = model.input.size;
    const { arch, width, depth } = model.cnn;
    return createCnn({ arch, width, depth, inputShape: [h, w, model.input.channels], classes, seed });
  }
  if (!model.backbone || !model.head) {
    throw new SketchboardError('invalid_data', 'run.json: a head model needs "backbone" and "head"');
  }
  return createHead(model.head, { inDim: model.backbone.featureDim, classes, seed });
}
