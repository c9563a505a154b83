// One scoring attempt of one submission: claim a lease, run the sandbox, score against the labels, store output.csv and the result.
import { access, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { RuntimeStamp as ModelStamp } from '../../core/backends/types.js';
import { mapLimit } from '../../core/data/io.js';
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { writeOutputCsv } from '../../core/predict/output.js';
import type { RuntimeStamp } from '../db/schema.js';
import { type AnswerKey, type Claim, claimSubmission, loadAnswerKey } from '../services/claims.js';
import type { ServiceContext } from '../services/context.js';
import { StaleLeaseError } from '../services/errors.js';
import { completeSubmission, failSubmission } from '../services/results.js';
import { type BlobStore, isBundleIndexKey, outputKey } from '../storage/blob.js';
import { materializeIndexed } from '../storage/bundle-files.js';
import { memberAccuracy, splitAccuracy } from './accuracy.js';
import { planLeaves, runCached, type ScorerCache } from './cached-run.js';
import { InfraError, infraFailure, type RunFailure } from './failures.js';
import { progressWriter } from './progress.js';
import { RunnerChild } from './sandbox/child.js';
import type { RunnerPool } from './sandbox/pool.js';
import type { RunOptions } from './sandbox/protocol.js';
import type { SandboxInput, SandboxLimits } from './sandbox/supervisor.js';

/** What a scoring attempt needs: services (db, clock), blobs, the server's fixed limits and runtime options. */
export type ScorerDeps = {
  services: ServiceContext;
  blobs: BlobStore;
  limits: SandboxLimits;
  options: RunOptions;
  /** Parent of per-attempt work folders (default os.tmpdir()). */
  workRoot?: string;
  /** Warm runner children (the worker keeps one per concurrent job); default: start one per attempt. */
  pool?: RunnerPool;
  /** Observers of the child (tests, audits). */
  hooks?: Pick<SandboxInput, 'onSpawn' | 'onSend' | 'onProgress'>;
  /** The prediction cache (absent: off, every leaf is inferred). */
  cache?: ScorerCache;
};

export type AttemptInput = {
  submissionId: string;
  /** The queue's 1-based attempt; omitted for one-shot scoring (stored attempt + 1). */
  attempt?: number;
  /** No retry follows: an infra fault fails the submission now (as infra) instead of re-queueing it. */
  lastAttempt: boolean;
  /** Aborted when the queue takes the job away (lost heartbeat) or the worker shuts down. */
  signal?: AbortSignal;
};

/** How an attempt ended. `retry` means: throw to the queue so that it retries the job. */
export type AttemptOutcome =
  | { status: 'scored'; submissionId: string; public: number; private: number; imagesPerSecond: number }
  | { status: 'failed'; submissionId: string; failure: RunFailure }
  | { status: 'retry'; submissionId: string; failure: RunFailure }
  | { status: 'skipped'; submissionId: string }
  | { status: 'stale'; submissionId: string };

/** The runtime stamp stored with a score: what ran, which versions, on which bundle and dataset. */
export function runtimeStamp(
  models: ModelStamp[],
  versions: Record<string, string>,
  claim: Claim,
): RuntimeStamp {
  const unique = (xs: string[]) => [...new Set(xs)].join('+');
  return {
    backend: unique(models.map((m) => m.runtime)),
    executionProvider: unique(models.map((m) => `${m.runtime}:${m.backend}`)),
    versions,
    bundleSha256: claim.bundle.sha256,
    datasetSha256: claim.competition.datasetSha256,
  };
}

/** Test images checked for existence at once. */
const CHECK_CONCURRENCY = 256;

/** Host label files that must never sit beside the images a runner reads. */
const LABEL_FILE = /^test_labels\.csv$/i;

/** Absolute test image paths, in the answer key's order (the key's labels stay here). */
function imagePaths(claim: Claim, key: AnswerKey): string[] {
  const root = resolve(claim.competition.datasetDir);
  return key.map((item) => resolve(root, item.imagePath));
}

/**
 * Before a runner reads the images: an infra fault when one is missing, or when a folder of them holds a
 * labels file. Not needed when every leaf comes from the prediction cache (no image is read).
 */
async function checkImages(paths: string[]): Promise<void> {
  await mapLimit(paths, CHECK_CONCURRENCY, (p) =>
    access(p).catch((err: unknown) => {
      throw new InfraError(`test image missing: ${p}`, { cause: err });
    }),
  );
  // The child may read its images' folders: refuse to run next to a labels file.
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    if ((await readdir(dir)).some((name) => LABEL_FILE.test(name))) {
      throw new InfraError(
        `test image folder ${dir} holds a labels file; refusing to expose it to the runner`,
      );
    }
  }
}

/**
 * A local path of the bundle zip: the blob store's own file when it has one, else a copy in `workDir`; a
 * bundle uploaded file by file (no zip) is laid out as a folder in `workDir`.
 */
async function localBundle(blobs: BlobStore, key: string, workDir: string): Promise<string> {
  if (isBundleIndexKey(key)) return materializeIndexed(blobs, key, join(workDir, 'bundle'));
  if (blobs.getPath) return blobs.getPath(key);
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const dest = join(workDir, 'bundle.zip');
  await pipeline(await blobs.getStream(key), createWriteStream(dest));
  return dest;
}

/**
 * Run one attempt: claim the submission under a fresh lease, score it in the sandbox, and record
 * exactly one outcome under that lease. Bundle faults fail the submission (counted); infra faults
 * re-queue it (`retry`) or, on the last attempt, fail it as infra (not counted). A write whose lease
 * was taken over is refused by the services and reported as `stale`.
 *
 * @example
 * const out = await scoreAttempt(deps, { submissionId, attempt: attemptOf(job), lastAttempt: isLastAttempt(queue, job), signal: job.signal });
 * if (out.status === 'retry') throw new Error(out.failure.message); // pg-boss retries the job
 */
export async function scoreAttempt(deps: ScorerDeps, input: AttemptInput): Promise<AttemptOutcome> {
  const { submissionId } = input;
  const ctx = deps.services;
  const claim = await claimSubmission(ctx, submissionId, input.attempt);
  if (!claim) return { status: 'skipped', submissionId };
  const workRoot = deps.workRoot ?? tmpdir();
  await mkdir(workRoot, { recursive: true });
  const workDir = await mkdtemp(join(workRoot, 'sketchboard-score-'));
  const logFields = { submissionId, attempt: claim.attempt };
  let output: string | undefined;
  const plan = await planLeaves(deps.cache, claim, deps.options);
  // Started now when some leaf must run, so that node and the runtimes load while we read the answer key and the bundle.
  let child: RunnerChild | undefined;
  const takeChild = () =>
    (child ??= deps.pool ? deps.pool.take() : new RunnerChild({ memoryMb: deps.limits.memoryMb }));
  if (plan.needsRunner) takeChild();
  const progress = progressWriter(ctx, claim);
  try {
    try {
      const key = await loadAnswerKey(ctx, claim.competition.id);
      const images = imagePaths(claim, key);
      const bundlePath = () => localBundle(deps.blobs, claim.bundle.blobKey, workDir);
      log.info('scoring', { ...logFields, images: images.length });
      const run = await runCached(deps.cache, plan, {
        bundlePath,
        images,
        classes: claim.competition.classes,
        workDir,
        options: deps.options,
        limits: deps.limits,
        signal: input.signal,
        child: takeChild,
        checkImages: () => checkImages(images),
        ...deps.hooks,
        onProgress: (done, total) => {
          progress.report(done, total);
          deps.hooks?.onProgress?.(done, total);
        },
      });
      await progress.flush(); // the last count lands before the result
      if (!run.ok) {
        if (run.failure.isInfra) throw new InfraError(run.failure.detail || run.failure.message);
        log.info('bundle failed', {
          ...logFields,
          code: run.failure.code,
          detail: run.failure.detail?.slice(-2000),
        });
        await failSubmission(ctx, submissionId, claim.leaseToken, {
          code: run.failure.code,
          message: run.failure.message,
          isInfra: false,
        });
        return { status: 'failed', submissionId, failure: run.failure };
      }
      const scores = splitAccuracy(run.voted.predictions, key);
      const csvPath = join(workDir, 'output.csv');
      await writeOutputCsv(
        csvPath,
        key.map((item) => ({ id: item.id, relPath: item.imagePath })),
        run.voted.predictions,
      );
      // One key per attempt: a stale attempt can never overwrite the output of the one that won.
      output = outputKey(`${submissionId}-a${claim.attempt}`);
      await deps.blobs.putFile(output, csvPath);
      const imagesPerSecond = images.length / run.seconds;
      await completeSubmission(ctx, submissionId, claim.leaseToken, {
        public: { correct: scores.public.correct, total: scores.public.total },
        private: { correct: scores.private.correct, total: scores.private.total },
        memberScores: memberAccuracy(run.voted.members, key),
        imagesPerSecond,
        runtime: runtimeStamp(run.runtime, run.versions, claim),
        outputKey: output,
        inference: run.inference,
      });
      await run.store();
      log.info('scored', {
        ...logFields,
        seconds: run.seconds,
        imagesPerSecond,
        peakRssMb: run.peakRssMb,
        inferred: run.inference.leaves.filter((l) => !l.cached).length,
      });
      return {
        status: 'scored',
        submissionId,
        public: scores.public.accuracy,
        private: scores.private.accuracy,
        imagesPerSecond,
      };
    } catch (err) {
      if (err instanceof StaleLeaseError) throw err;
      const failure = infraFailure(err);
      log.warn('scoring infra fault', { ...logFields, last: input.lastAttempt, error: errorMessage(err) });
      await failSubmission(ctx, submissionId, claim.leaseToken, {
        code: failure.code,
        message: failure.message,
        isInfra: true,
        retry: !input.lastAttempt,
      });
      return { status: input.lastAttempt ? 'failed' : 'retry', submissionId, failure };
    }
  } catch (err) {
    if (!(err instanceof StaleLeaseError)) throw err;
    log.warn('stale lease: result refused', logFields);
    if (output) await deps.blobs.delete(output).catch(() => {});
    return { status: 'stale', submissionId };
  } finally {
    await progress.flush();
    child?.kill();
    await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }
}
