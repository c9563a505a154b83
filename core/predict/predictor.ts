// The batched predictor: a bundle's ensemble over a list of images, preprocessing overlapped with inference.
import type { LoadedModel, LoadOptions, RuntimeStamp, Tensor } from '../backends/types.js';
import {
  type EnsembleNode,
  type InputSpec,
  inputKey,
  isLeaf,
  listLeaves,
  type Manifest,
} from '../bundle/manifest.js';
import { SketchboardError } from '../errors.js';
import {
  type BundleLike,
  disposeAll,
  groupModelRuns,
  loadBundleModels,
  type ModelLoader,
  runOutputsChecked,
  runtimeStamps,
} from './models.js';
import { flipTensor, preprocessBatch } from './preprocess.js';
import { type ScoreTable, softmax, type VoteTree, voteTree } from './vote.js';

/** Default images per batch. */
export const DEFAULT_BATCH_SIZE = 32;

/** Id of the tree's root in `Prediction.members` (other nodes use their path, e.g. "0.1"). */
export const ROOT_ID = 'root';

export type PredictOptions = {
  batchSize?: number;
  load?: LoadOptions;
  onProgress?(done: number, total: number): void;
  /** Model loader; default the backends' loadModel. */
  loader?: ModelLoader;
};

/** One node's decisions: every leaf (`model` = its file) and every inner node (`model` = 'soft vote'...). */
export type MemberPrediction = { id: string; model: string; predictions: Int32Array };

export type Prediction = {
  classes: number;
  /** Final scores, row-major N×classes: the root's probabilities (soft) or normalised vote counts (hard). */
  scores: Float32Array;
  /** Final class per image. */
  predictions: Int32Array;
  members: MemberPrediction[];
  /** Every leaf's probabilities (N×classes, TTA-averaged), keyed by leaf id: what a prediction cache keeps. */
  tables: Map<string, Float32Array>;
  runtime: RuntimeStamp[];
  /** Wall time of the prediction loop (preprocessing, inference, voting), models already loaded. */
  seconds: number;
  imagesPerSecond: number;
};

const nodeId = (path: string) => (path === '' ? ROOT_ID : path);

/**
 * Run a bundle over images (absolute paths) and vote its ensemble. Loads each model once, feeds
 * each leaf its own input spec (each image decoded once per distinct spec), averages TTA views per
 * model, refuses outputs that are not finite [N, classes] (SketchboardError 'model_output').
 * The next batch is decoded while the current one runs.
 *
 * @example
 * const bundle = await openBundle('bundle.zip');
 * const p = await predictBundle(bundle, items.map((i) => i.imagePath), { batchSize: 32 });
 * console.log(p.predictions, p.imagesPerSecond);
 */
export async function predictBundle(
  bundle: BundleLike,
  images: string[],
  opts: PredictOptions = {},
): Promise<Prediction> {
  const models = await loadBundleModels(bundle, { load: opts.load, loader: opts.loader });
  try {
    return await predictWithModels(bundle.manifest, models, images, opts);
  } finally {
    await disposeAll(models);
  }
}

/**
 * predictBundle's loop with models already loaded (keyed by manifest model path), for callers that
 * keep models across calls.
 *
 * @example
 * const p = await predictWithModels(bundle.manifest, await loadBundleModels(bundle), images);
 */
export async function predictWithModels(
  manifest: Manifest,
  models: Map<string, LoadedModel>,
  images: string[],
  opts: Pick<PredictOptions, 'batchSize' | 'onProgress'> = {},
): Promise<Prediction> {
  const started = performance.now();
  const tables = await inferLeaves(manifest, models, images, opts);
  const voted = voteLeaves(manifest, tables, images.length);
  const seconds = (performance.now() - started) / 1000;
  return {
    ...voted,
    tables,
    runtime: runtimeStamps(models),
    seconds,
    imagesPerSecond: seconds > 0 ? images.length / seconds : 0,
  };
}

/**
 * Each leaf's class probabilities over the images (row-major N×classes, TTA views averaged, logits
 * soft-maxed), keyed by leaf id (listLeaves' path). Leaves sharing a model file and input spec share one
 * run per batch and TTA view, giving every output they read (groupModelRuns). `only` restricts the work to
 * those leaves (the others' models need not be loaded): the scorer infers just the leaves its cache lacks.
 *
 * @example
 * const tables = await inferLeaves(manifest, models, images, { only: new Set(['0.1']) });
 */
export async function inferLeaves(
  manifest: Manifest,
  models: Map<string, LoadedModel>,
  images: string[],
  opts: Pick<PredictOptions, 'batchSize' | 'onProgress'> & { only?: ReadonlySet<string> } = {},
): Promise<Map<string, Float32Array>> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SketchboardError('invalid_argument', `batch size must be a positive integer, got ${batchSize}`);
  }
  const { classes } = manifest;
  const n = images.length;
  const leaves = listLeaves(manifest).filter((l) => !opts.only || opts.only.has(l.id));
  const specs = leaves.map((l) => l.input);
  const views = ['none', ...(manifest.tta ?? [])] as const;
  const tables = new Map(leaves.map((l) => [l.id, new Float32Array(n * classes)]));
  if (leaves.length === 0) return tables;
  const runs = groupModelRuns(leaves, models);

  const prepare = (start: number) => {
    const p = preprocessBatch(images.slice(start, Math.min(n, start + batchSize)), specs);
    p.catch(() => {}); // observed when awaited; this only keeps an early failure from being "unhandled"
    return p;
  };
  let next = n > 0 ? prepare(0) : null;
  for (let start = 0; start < n; start += batchSize) {
    const tensors = await next!;
    // Queue the next batch's decodes now: sharp works on its own threads while the models run.
    next = start + batchSize < n ? prepare(start + batchSize) : null;
    const rows = Math.min(batchSize, n - start);
    const viewCache = new Map<string, Tensor[]>();
    const viewsOf = (spec: InputSpec): Tensor[] => {
      const key = inputKey(spec);
      let list = viewCache.get(key);
      if (!list) {
        const t = tensors.get(key)!;
        list = views.map((v) => (v === 'none' ? t : flipTensor(t, spec.layout, v)));
        viewCache.set(key, list);
      }
      return list;
    };
    for (const run of runs) {
      // One pass of the model per view gives every output its leaves read with this spec.
      const perOutput = new Map<string, ScoreTable[]>(run.names.map((name) => [name, []]));
      for (const input of viewsOf(run.spec)) {
        const outs = await runOutputsChecked(run.model, input, run.path, run.names, classes);
        for (const name of run.names) {
          const table = { rows, classes, data: outs.get(name)!.data };
          perOutput.get(name)!.push(manifest.output === 'logits' ? softmax(table) : table);
        }
      }
      for (const { id, output } of run.leaves)
        writeMean(perOutput.get(output)!, tables.get(id)!, start * classes);
    }
    opts.onProgress?.(start + rows, n);
  }
  return tables;
}

/** The ensemble's verdict from every leaf's probability table: what voteLeaves returns. */
export type Voted = Pick<Prediction, 'classes' | 'scores' | 'predictions' | 'members'>;

/**
 * Vote the manifest's tree over every leaf's N×classes probability table (inferLeaves' output, or
 * tables from a cache): pure arithmetic, no model. Throws SketchboardError('internal') when a leaf's
 * table is missing or has the wrong length.
 *
 * @example
 * const { predictions } = voteLeaves(manifest, tables, images.length);
 */
export function voteLeaves(manifest: Manifest, tables: ReadonlyMap<string, Float32Array>, n: number): Voted {
  const { classes } = manifest;
  for (const leaf of listLeaves(manifest)) {
    const t = tables.get(leaf.id);
    if (!t || t.length !== n * classes) {
      throw new SketchboardError(
        'internal',
        `leaf ${leaf.id} (${leaf.model}) has ${t ? t.length : 'no'} scores, expected ${n}×${classes}`,
      );
    }
  }
  const { root, byId } = voteTree(buildTree(manifest.ensemble, '', 1, tables, n, classes));
  const members: MemberPrediction[] = [];
  walkNodes(manifest.ensemble, '', (node, path) => {
    const model = isLeaf(node) ? node.model : `${node.vote} vote of ${node.members.length}`;
    members.push({ id: nodeId(path), model, predictions: byId.get(nodeId(path))!.decisions });
  });
  return { classes, scores: root.scores.data, predictions: root.decisions, members };
}

/** Mean of the TTA views' probabilities, written into `target` at `offset`. */
function writeMean(outs: ScoreTable[], target: Float32Array, offset: number): void {
  const len = outs[0].data.length;
  for (let k = 0; k < len; k++) {
    let sum = 0;
    for (const o of outs) sum += o.data[k];
    target[offset + k] = sum / outs.length;
  }
}

/** Mirror the manifest tree as a VoteTree whose leaves hold their probability tables. */
function buildTree(
  node: EnsembleNode,
  path: string,
  weight: number,
  tables: ReadonlyMap<string, Float32Array>,
  rows: number,
  classes: number,
): VoteTree {
  const id = nodeId(path);
  if (isLeaf(node)) return { id, weight, probabilities: { rows, classes, data: tables.get(path)! } };
  return {
    id,
    weight,
    vote: node.vote,
    members: node.members.map((m, i) =>
      buildTree(m, path === '' ? String(i) : `${path}.${i}`, m.weight ?? 1, tables, rows, classes),
    ),
  };
}

/** Visit every node depth-first (parents before children), with listLeaves' path ids. */
function walkNodes(
  node: EnsembleNode,
  path: string,
  visit: (node: EnsembleNode, path: string) => void,
): void {
  visit(node, path);
  if (isLeaf(node)) return;
  node.members.forEach((m, i) => {
    walkNodes(m, path === '' ? String(i) : `${path}.${i}`, visit);
  });
}
