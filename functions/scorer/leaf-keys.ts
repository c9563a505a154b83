// Prediction cache keys of a claimed bundle's leaves: everything that changes a leaf's numbers, from the database alone.
import { posix } from 'node:path';
import type { FileDigest } from '../../core/bundle/digest.js';
import { inputKey, type Manifest, modelFormatOf, type ResolvedLeaf } from '../../core/bundle/manifest.js';
import { type CacheKey, cacheKey, type KeyValue, type PredictionCache } from '../storage/prediction-cache.js';
import type { RunOptions } from './sandbox/protocol.js';

/** Bumped when the meaning of a cached table changes (preprocessing, TTA averaging, softmax). */
export const KEY_VERSION = 1;

/** What a key needs besides the leaf: the bundle's file digests, the dataset and the server's runtime. */
export type KeyContext = {
  /**
   * The team whose bundle this is: each team's tables are its own, so numbers a runner wrote while one
   * team's models ran can never score another team's submission (even for byte-identical model files).
   */
  teamId: string;
  manifest: Manifest;
  /** bundles.files; null (bundles recorded before digests) means no leaf can be keyed. */
  files: FileDigest[] | null;
  datasetSha256: string;
  options: Pick<RunOptions, 'executionProviders' | 'batchSize'>;
  /** Runtime versions (runtimeVersions() keys: onnxruntime-node, tfjs-core, tfjs-backend). */
  versions: Record<string, string>;
};

/**
 * The runtime part of a key: the format decides the runtime. TF.js also needs the backend the runner
 * chose ('unselected' until one ran: such a leaf cannot be keyed yet).
 */
export function runtimePart(
  format: 'onnx' | 'tfjs',
  ctx: Pick<KeyContext, 'options' | 'versions'>,
): KeyValue | null {
  const executionProviders = [...ctx.options.executionProviders];
  if (format === 'onnx') {
    const version = ctx.versions['onnxruntime-node'];
    return version ? { runtime: 'onnxruntime', version, executionProviders } : null;
  }
  const core = ctx.versions['tfjs-core'];
  const backend = ctx.versions['tfjs-backend'];
  if (!core || !backend || backend === 'unselected') return null;
  return { runtime: 'tfjs', version: core, backend, executionProviders };
}

/**
 * The model part of a key: the model file's sha256 and, by plain name, the sha256 of every file it
 * references (TF.js shards, ONNX external data); `refs` are those names, as the runner reported them.
 * Null when a file is not among the bundle's digests.
 */
export function modelPart(model: string, refs: readonly string[], files: FileDigest[]): KeyValue | null {
  const sha = new Map(files.map((f) => [f.path, f.sha256]));
  const own = sha.get(model);
  if (!own) return null;
  const folder = posix.dirname(model);
  const referenced: Record<string, string> = {};
  for (const name of refs) {
    const ref = sha.get(folder === '.' ? name : `${folder}/${name}`);
    if (!ref) return null;
    referenced[name] = ref;
  }
  return { sha256: own, refs: referenced };
}

/**
 * The cache key of one leaf, or null when it cannot be keyed (no digests, unknown references, TF.js
 * backend not known yet). `refs`: the model's references by plain name.
 *
 * @example
 * const key = leafKey(leaf, await cache.getRefs(modelSha), ctx); // null → infer, no lookup
 */
export function leafKey(
  leaf: ResolvedLeaf,
  refs: readonly string[] | null,
  ctx: KeyContext,
): CacheKey | null {
  const format = modelFormatOf(leaf.model);
  if (!ctx.files || !refs || !format) return null;
  const model = modelPart(leaf.model, refs, ctx.files);
  const runtime = runtimePart(format, ctx);
  if (!model || !runtime) return null;
  const { manifest } = ctx;
  return cacheKey({
    v: KEY_VERSION,
    team: ctx.teamId,
    model,
    format,
    outputName: leaf.outputName ?? null,
    input: inputKey(leaf.input),
    tta: [...(manifest.tta ?? [])],
    output: manifest.output,
    classes: manifest.classes,
    dataset: ctx.datasetSha256,
    runtime,
    batchSize: ctx.options.batchSize,
  });
}

/** The sha256 of a bundle file, or null. */
export function fileSha(files: FileDigest[] | null, path: string): string | null {
  return files?.find((f) => f.path === path)?.sha256 ?? null;
}

/**
 * Every leaf's key (null where it cannot be keyed), reading each model's recorded references once.
 *
 * @example
 * const keys = await leafKeys(cache, listLeaves(manifest), ctx);
 */
export async function leafKeys(
  cache: PredictionCache,
  leaves: ResolvedLeaf[],
  ctx: KeyContext,
): Promise<Map<string, CacheKey | null>> {
  const refsByModel = new Map<string, string[] | null>();
  for (const leaf of leaves) {
    if (refsByModel.has(leaf.model)) continue;
    const sha = fileSha(ctx.files, leaf.model);
    refsByModel.set(leaf.model, sha ? await cache.getRefs(sha) : null);
  }
  return new Map(leaves.map((l) => [l.id, leafKey(l, refsByModel.get(l.model) ?? null, ctx)]));
}
