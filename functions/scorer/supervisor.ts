// Runs the runner child under a wall-clock timeout and a memory cap, and maps every way it can end to one outcome.
import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RuntimeStamp } from '../../core/backends/types.js';
import { type FailureCode, failureFromExit, failureFromRunner, type RunFailure } from './failures.js';
import {
  type RunnerMessage,
  type RunnerResult,
  type RunOptions,
  readResultFile,
  runnerMessageSchema,
  type StartMessage,
} from './protocol.js';

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
  onProgress?(done: number, total: number): void;
  /** Aborting kills the child (lost claim, shutdown); the outcome is an infra failure. */
  signal?: AbortSignal;
  /** Sees the spawned child and every message sent to it (for tests and audits). */
  onSpawn?(child: { pid: number; argv: string[]; env: NodeJS.ProcessEnv }): void;
  onSend?(message: StartMessage): void;
};

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href.replace(/\.cjs$/, '.mjs');

/** Environment variables the child inherits; everything else (DATABASE_URL, tokens, S3 keys) stays out. */
const ENV_ALLOW = [
  'PATH',
  'LANG',
  'LC_ALL',
  'TZ',
  'LD_LIBRARY_PATH',
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
  'SKETCHBOARD_LOG_LEVEL',
];

/** The child's whole environment: the allow-list plus a private TMPDIR in its work dir. */
export function childEnv(workDir: string, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { TMPDIR: workDir, HOME: workDir, NODE_ENV: 'production' };
  for (const key of ENV_ALLOW) if (from[key] !== undefined) env[key] = from[key];
  return env;
}

/** Resident set size of a process in MB from /proc, or null where /proc is absent or it has exited. */
export async function rssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Run a bundle over images in a fresh runner child and return its checked result or a failure.
 * Never throws for anything the child does; only a failure to start it is an infra failure.
 *
 * @example
 * const out = await runSandboxed({ bundlePath, images, classes: 10, workDir, options: { batchSize: 32, executionProviders: ['cpu'] }, limits: { timeoutMs: 60_000, memoryMb: 2048 } });
 * if (out.ok) console.log(out.result.predictions);
 */
export async function runSandboxed(input: SandboxInput): Promise<SandboxOutcome> {
  const { limits } = input;
  const t0 = performance.now();
  const resultPath = join(input.workDir, 'result.bin');
  const env = childEnv(input.workDir);
  const execArgv = ['--import', TSX, `--max-old-space-size=${Math.max(64, Math.floor(limits.memoryMb))}`];
  let child: ChildProcess;
  try {
    child = fork(RUNNER, [], { cwd: input.workDir, env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  } catch (err) {
    return { ok: false, failure: failureFromExit({ spawnError: err }), seconds: 0, peakRssMb: 0 };
  }
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-8000);
  });
  child.stdout?.resume();
  if (child.pid !== undefined) input.onSpawn?.({ pid: child.pid, argv: [...execArgv, RUNNER], env });

  let killedFor: FailureCode | null = null;
  let peakRssMb = 0;
  let done: Extract<RunnerMessage, { type: 'done' }> | null = null;
  let error: Extract<RunnerMessage, { type: 'error' }> | null = null;
  const kill = (why: FailureCode) => {
    if (killedFor === null && child.exitCode === null && child.signalCode === null) {
      killedFor = why;
      child.kill('SIGKILL');
    }
  };

  child.on('message', (raw: unknown) => {
    const parsed = runnerMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.type === 'ready') {
      const start: StartMessage = {
        type: 'start',
        bundlePath: input.bundlePath,
        images: input.images,
        resultPath,
        options: input.options,
      };
      input.onSend?.(start);
      child.send(start);
    } else if (msg.type === 'progress') input.onProgress?.(msg.done, msg.total);
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

  const exit = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    spawnError?: unknown;
  }>((resolve) => {
    child.once('error', (err) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: err });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  clearInterval(poller);
  input.signal?.removeEventListener('abort', onAbort);
  const seconds = (performance.now() - t0) / 1000;
  const failed = (failure: RunFailure): SandboxOutcome => ({
    ok: false,
    failure: { ...failure, detail: stderrTail },
    seconds,
    peakRssMb,
  });

  if (killedFor !== null) return failed(failureFromExit({ killedFor, limits }));
  if (exit.spawnError !== undefined) return failed(failureFromExit({ spawnError: exit.spawnError }));
  const finished = done as Extract<RunnerMessage, { type: 'done' }> | null;
  if (finished && exit.code === 0) {
    try {
      const result = await readResultFile(resultPath, { count: input.images.length, classes: input.classes });
      const bad = result.scores.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        return failed({
          code: 'model_output',
          isInfra: false,
          message: `the bundle produced a non-finite score (NaN or Infinity) for image ${Math.floor(bad / result.classes) + 1}`,
        });
      }
      return {
        ok: true,
        result,
        runtime: finished.runtime,
        versions: finished.versions,
        seconds,
        predictSeconds: finished.predictSeconds,
        peakRssMb,
      };
    } catch (err) {
      return failed({
        code: 'model_output',
        isInfra: false,
        message: `the bundle's output could not be used: ${(err as Error).message}`,
      });
    }
  }
  const reported = error as Extract<RunnerMessage, { type: 'error' }> | null;
  if (reported) return failed(failureFromRunner(reported.code, reported.message));
  return failed(failureFromExit({ code: exit.code, signal: exit.signal, stderr: stderrTail }));
}
