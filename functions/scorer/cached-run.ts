// A scoring run through the prediction cache: cached leaves are read, only the missing ones run in the sandbox, the scorer votes.
import { runtimeVersions } from '../../core/backends/index.js';
import type { RuntimeStamp } from '../../core/backends/types.js';
import { listLeaves, modelFormatOf, type ResolvedLeaf } from '../../core/bundle/manifest.js';
import { mapLimit } from '../../core/data/io.js';
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { type Voted, voteLeaves } from '../../core/predict/predictor.js';
import type { InferenceRecord } from '../db/schema.js';
import type { Claim } from '../services/claims.js';
import type { CacheKey, PredictionCache } from '../storage/prediction-cache.js';
import { fileSha, type KeyContext, leafKey, leafKeys } from './leaf-keys.js';
import type { RunnerChild } from './sandbox/child.js';
import type { RunOptions } from './sandbox/protocol.js';
import { runSandboxed, type SandboxInput, type SandboxOutcome } from './sandbox/supervisor.js';

/** The scorer's prediction cache and what it has learnt (the TF.js backend its runners choose). */
export type ScorerCache = { store: PredictionCache; tfjsBackend?: string };

/** A bundle's leaves with their keys, and which keys the cache may hold (decided before any image is read). */
export type LeafPlan = {
  leaves: ResolvedLeaf[];
  keys: Map<string, CacheKey | null>;
  ctx: KeyContext;
  /** True when some leaf has no key, so a runner child will be needed. */
  needsRunner: boolean;
};

/**
 * Key every leaf of the claimed bundle (no cache, or the cache off: no keys, every leaf is inferred).
 *
 * @example
 * const plan = await planLeaves(deps.cache, claim, deps.options);
 */
export async function planLeaves(
  cache: ScorerCache | undefined,
  claim: Pick<Claim, 'teamId' | 'bundle' | 'competition'>,
  options: RunOptions,
): Promise<LeafPlan> {
  const leaves = listLeaves(claim.bundle.manifest);
  const versions = { ...runtimeVersions(), 'tfjs-backend': cache?.tfjsBackend ?? 'unselected' };
  const ctx: KeyContext = {
    teamId: claim.teamId,
    manifest: claim.bundle.manifest,
    files: claim.bundle.files,
    datasetSha256: claim.competition.datasetSha256,
    options,
    versions,
  };
  let keys = new Map<string, CacheKey | null>(leaves.map((l) => [l.id, null]));
  if (cache) {
    try {
      keys = await leafKeys(cache.store, leaves, ctx);
    } catch (err) {
      log.warn('prediction cache: keys unavailable, inferring every leaf', { error: errorMessage(err) });
    }
  }
  return { leaves, keys, ctx, needsRunner: [...keys.values()].some((k) => k === null) };
}

/** What a cached run needs besides the plan; the bundle and the child are only asked for when some leaf runs. */
export type CachedRunInput = Omit<SandboxInput, 'bundlePath' | 'child' | 'only'> & {
  bundlePath(): Promise<string>;
  child(): RunnerChild;
  /** Checks that the test images can be read (throws an infra fault); called only when some leaf must run. */
  checkImages(): Promise<void>;
};

/** Cache entries read at once (each a table of rows × classes float32). */
const READ_CONCURRENCY = 4;

/** A successful run: the vote, where each leaf came from, and `store()` to keep the new tables (after scoring). */
export type CachedRun = Extract<SandboxOutcome, { ok: true }> & {
  voted: Voted;
  inference: InferenceRecord;
  store(): Promise<void>;
};

/**
 * Read every cached leaf, run the rest in the sandbox (only those leaves' models load; none at all when
 * every leaf is cached: no child, no bundle), then vote all tables. A sandbox failure is returned as is.
 *
 * @example
 * const run = await runCached(deps.cache, plan, { images, classes, workDir, options, limits, bundlePath: () => localBundle(...), child: () => pool.take() });
 * if (run.ok) { score(run.voted.predictions); await run.store(); }
 */
export async function runCached(
  cache: ScorerCache | undefined,
  plan: LeafPlan,
  input: CachedRunInput,
): Promise<CachedRun | Extract<SandboxOutcome, { ok: false }>> {
  const t0 = performance.now();
  const shape = { rows: input.images.length, classes: input.classes };
  const tables = new Map<string, Float32Array>();
  const stamps: RuntimeStamp[] = [];
  const hits = await mapLimit(plan.leaves, READ_CONCURRENCY, async (leaf) => {
    const key = plan.keys.get(leaf.id);
    return cache && key ? cache.store.get(key, shape) : null;
  });
  plan.leaves.forEach((leaf, i) => {
    const hit = hits[i];
    if (!hit) return;
    tables.set(leaf.id, hit.table);
    if (hit.runtime) stamps.push(hit.runtime);
  });
  const missing = plan.leaves.filter((l) => !tables.has(l.id));
  let sandbox: Extract<SandboxOutcome, { ok: true }> | null = null;
  if (missing.length > 0) {
    const { bundlePath, child, checkImages, ...rest } = input;
    await checkImages();
    const only = missing.length < plan.leaves.length ? missing.map((l) => l.id) : undefined;
    const run = await runSandboxed({ ...rest, bundlePath: await bundlePath(), child: child(), only });
    if (!run.ok) return run;
    sandbox = run;
    for (const [id, table] of run.result.tables) tables.set(id, table);
  }
  const voted = voteLeaves(plan.ctx.manifest, tables, input.images.length);
  const inferred = new Set(missing.map((l) => l.id));
  const seconds = (performance.now() - t0) / 1000;
  const runtime = dedupe([...(sandbox?.runtime ?? []), ...stamps]);
  return {
    ok: true,
    result: sandbox?.result ?? { ...shape, count: shape.rows, leaves: [], tables: new Map(), refs: {} },
    runtime,
    versions: sandbox?.versions ?? { ...plan.ctx.versions, node: process.versions.node },
    seconds,
    predictSeconds: sandbox?.predictSeconds ?? 0,
    peakRssMb: sandbox?.peakRssMb ?? 0,
    voted,
    inference: {
      leaves: plan.leaves.map((l) => ({ id: l.id, model: l.model, cached: !inferred.has(l.id) })),
      inferredImages: missing.length > 0 ? input.images.length : 0,
    },
    store: () => (cache && sandbox ? storeInferred(cache, plan, missing, sandbox, shape) : Promise.resolve()),
  };
}

/**
 * Keep the tables a run inferred, keyed with the versions its runner reported, and each model's
 * references. Failures are logged, never raised: the score is already recorded.
 */
async function storeInferred(
  cache: ScorerCache,
  plan: LeafPlan,
  inferred: ResolvedLeaf[],
  run: Extract<SandboxOutcome, { ok: true }>,
  shape: { rows: number; classes: number },
): Promise<void> {
  const chosen = run.versions['tfjs-backend'];
  if (chosen && chosen !== 'unselected') cache.tfjsBackend = chosen;
  const ctx: KeyContext = { ...plan.ctx, versions: { ...plan.ctx.versions, ...run.versions } };
  try {
    for (const [model, refs] of Object.entries(run.result.refs)) {
      const sha = fileSha(ctx.files, model);
      if (sha) await cache.store.putRefs(sha, refs);
    }
    for (const leaf of inferred) {
      const key = leafKey(leaf, run.result.refs[leaf.model] ?? null, ctx);
      const table = run.result.tables.get(leaf.id);
      if (!key || !table) continue;
      const runtime = run.runtime.find((r) => r.runtime === runtimeOf(leaf.model));
      await cache.store.put(key, table, shape, runtime);
    }
  } catch (err) {
    log.warn('prediction cache: could not store tables', { error: errorMessage(err) });
  }
}

function runtimeOf(model: string): RuntimeStamp['runtime'] {
  return modelFormatOf(model) === 'tfjs' ? 'tfjs' : 'onnxruntime';
}

function dedupe(stamps: RuntimeStamp[]): RuntimeStamp[] {
  return [...new Map(stamps.map((s) => [JSON.stringify(s), s])).values()];
}
