// The trainable network of a run, built from its RunModel through the createCnn / createHead factories, and a fold's best model.
import type { Network } from '../backends/train/network.js';
import { SketchboardError } from '../errors.js';
import { createCnn } from './cnn.js';
import { createHead } from './heads.js';
import { type RunModel, readCheckpoint, readRun } from './run.js';

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

/**
 * A TF.js LayersModel of fold `fold` with its best weights, ending in logits. For CNN runs it takes NHWC
 * images of `run.model.input`; for head runs it is the head only, taking backbone features [N, d] (pack
 * puts it behind backbone.onnx). The caller disposes it.
 *
 * @example
 * const model = await buildFoldModel('runs/cnn', 0);
 * const onnx = exportLayersModel(model); model.dispose();
 */
export async function buildFoldModel(runDir: string, fold: number): Promise<FoldModel> {
  const run = await readRun(runDir);
  const { weights } = await readCheckpoint(runDir, fold, 'best');
  const net = await buildNetwork(run.model, 0);
  try {
    net.setWeights(weights);
    return net.toLayersModel();
  } finally {
    net.dispose();
  }
}
