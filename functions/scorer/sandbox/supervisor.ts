// Runs one job in a runner child under a wall-clock timeout and a memory cap, and maps every way it can end to one outcome.
import { join } from 'node:path';
import type { RuntimeStamp } from '../../../core/backends/types.js';
import { type FailureCode, failureFromExit, failureFromRunner, type RunFailure } from '../failures.js';
import { type ChildExit, RunnerChild, rssMb } from './child.js';
import {
  type RunnerMessage,
  type RunnerResult,
  type RunOptions,
  readResultFile,
  type StartMessage,
} from './protocol.js';

export { childEnv, rssMb } from './child.js';

/** Limits the server enforces on one run by killing the child. */
export type SandboxLimits = { timeoutMs: number; memoryMb: number; pollMs?: number };

/** What a run produced, or why it produced nothing. */
export type SandboxOutcome =
  | {
      ok: true;
      result: RunnerResult;
      runtime: RuntimeStamp[];
      versions: Record<string, string>;
      seconds: number;
      predictSeconds: number;
      peakRssMb: number;
    }
  | { ok: false; failure: RunFailure; seconds: number; peakRssMb: number };

/** One run: the bundle, the test images (paths only) and where the child may write. */
export type SandboxInput = {
  bundlePath: string;
  images: string[];
  /** Expected class count (the competition's), checked against the result file. */
  classes: number;
  workDir: string;
  options: RunOptions;
  limits: SandboxLimits;
  /** Leaf ids to infer (the result must hold exactly these); default every leaf. */
  only?: string[];
  /** A started child to use (from a RunnerPool); default: start one now. Either way it runs this job only. */
  child?: RunnerChild;
  onProgress?(done: number, total: number): void;
  /** Aborting kills the child (lost claim, shutdown); the outcome is an infra failure. */
  signal?: AbortSignal;
  /** Sees the child that runs this job and every message sent to it (tests, audits). */
  onSpawn?(child: { pid: number; argv: string[]; env: NodeJS.ProcessEnv }): void;
  onSend?(message: StartMessage): void;
};

type Done = Extract<RunnerMessage, { type: 'done' }>;
type Reported = Extract<RunnerMessage, { type: 'error' }>;

/**
 * Run a bundle over images in a runner child (one job per child) and return its checked result or a
 * failure. Never throws for anything the child does. Timeout and memory cap count from this call.
 *
 * @example
 * const out = await runSandboxed({ bundlePath, images, classes: 10, workDir, options: { batchSize: 32, executionProviders: ['cpu'] }, limits: { timeoutMs: 60_000, memoryMb: 2048 } });
 * if (out.ok) console.log(out.result.tables); // leaf id → N×classes probabilities
 */
export async function runSandboxed(input: SandboxInput): Promise<SandboxOutcome> {
  const { limits } = input;
  const t0 = performance.now();
  const resultPath = join(input.workDir, 'result.bin');
  const child = input.child ?? new RunnerChild({ memoryMb: limits.memoryMb });
  if (child.pid !== undefined) input.onSpawn?.({ pid: child.pid, argv: child.command, env: child.env });

  let killedFor: FailureCode | null = null;
  let peakRssMb = 0;
  let done: Done | null = null;
  let error: Reported | null = null;
  const kill = (why: FailureCode) => {
    if (killedFor === null && child.alive) {
      killedFor = why;
      child.kill();
    }
  };
  child.onMessage((msg) => {
    if (msg.type === 'progress') input.onProgress?.(msg.done, msg.total);
    else if (msg.type === 'done') done = msg;
    else if (msg.type === 'error') error = msg;
  });

  const timer = setTimeout(() => kill('timeout'), limits.timeoutMs);
  const poller = setInterval(async () => {
    if (child.pid === undefined) return;
    const rss = await rssMb(child.pid);
    if (rss === null) return;
    peakRssMb = Math.max(peakRssMb, rss);
    if (rss > limits.memoryMb) kill('out_of_memory');
  }, limits.pollMs ?? 50);
  const onAbort = () => kill('infra');
  if (input.signal?.aborted) onAbort();
  input.signal?.addEventListener('abort', onAbort, { once: true });

  let startedJob = false;
  if (await child.ready) {
    const start: StartMessage = {
      type: 'start',
      bundlePath: input.bundlePath,
      images: input.images,
      resultPath,
      options: input.options,
      ...(input.only ? { only: input.only } : {}),
    };
    input.onSend?.(start);
    child.send(start);
    startedJob = true;
  }
  const exit: ChildExit = await child.exited;
  clearTimeout(timer);
  clearInterval(poller);
  input.signal?.removeEventListener('abort', onAbort);
  const seconds = (performance.now() - t0) / 1000;
  const failed = (failure: RunFailure): SandboxOutcome => ({
    ok: false,
    failure: { ...failure, detail: child.stderrTail },
    seconds,
    peakRssMb,
  });

  if (killedFor !== null) return failed(failureFromExit({ killedFor, limits }));
  if (exit.spawnError !== undefined) return failed(failureFromExit({ spawnError: exit.spawnError }));
  const reported = error as Reported | null;
  // Dying before it could take the job is the server's problem (broken runtime install), not the bundle's.
  if (!startedJob) {
    return failed(
      failureFromRunner(
        reported?.code ?? 'runtime_unavailable',
        reported?.message ?? 'the runner failed to start',
      ),
    );
  }
  const finished = done as Done | null;
  if (finished && exit.code === 0)
    return readChecked(resultPath, input, finished, seconds, peakRssMb, failed);
  if (reported) return failed(failureFromRunner(reported.code, reported.message));
  return failed(failureFromExit({ code: exit.code, signal: exit.signal, stderr: child.stderrTail }));
}

/** Read the result file and refuse malformed or non-finite output as the bundle's fault. */
async function readChecked(
  resultPath: string,
  input: SandboxInput,
  finished: Done,
  seconds: number,
  peakRssMb: number,
  failed: (f: RunFailure) => SandboxOutcome,
): Promise<SandboxOutcome> {
  try {
    const result = await readResultFile(resultPath, {
      count: input.images.length,
      classes: input.classes,
      leaves: input.only,
    });
    for (const leaf of result.leaves) {
      const bad = result.tables.get(leaf.id)!.findIndex((v) => !Number.isFinite(v));
      if (bad < 0) continue;
      const image = Math.floor(bad / result.classes) + 1;
      return failed({
        code: 'model_output',
        isInfra: false,
        message: `the bundle produced a non-finite score (NaN or Infinity) for image ${image} (model ${leaf.model})`,
      });
    }
    const { runtime, versions, predictSeconds } = finished;
    return { ok: true, result, runtime, versions, seconds, predictSeconds, peakRssMb };
  } catch (err) {
    return failed({
      code: 'model_output',
      isInfra: false,
      message: `the bundle's output could not be used: ${(err as Error).message}`,
    });
  }
}
