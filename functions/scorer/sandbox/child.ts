// One runner child process: spawned with a minimal environment, its readiness, messages, exit and memory use.
import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type RunnerMessage, runnerMessageSchema } from './protocol.js';

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Environment variables a child inherits; everything else (DATABASE_URL, tokens, S3 keys) stays out. */
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

/**
 * A child's whole environment: the allow-list and the server's TMPDIR (where tsx keeps its compile
 * cache, so a child does not recompile the runner's modules).
 */
export function childEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { TMPDIR: tmpdir(), HOME: tmpdir(), NODE_ENV: 'production' };
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

/** How a child ended. `spawnError` when it never started. */
export type ChildExit = { code: number | null; signal: NodeJS.Signals | null; spawnError?: unknown };

/**
 * A runner child, started at construction. It imports the runtimes, then reports `ready`; a job is
 * sent to it once, after which it exits. Messages before anyone listens are kept (`ready`).
 */
export class RunnerChild {
  readonly pid: number | undefined;
  readonly argv: string[];
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the runner has loaded its modules, or when it exits first (false). */
  readonly ready: Promise<boolean>;
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess | null;
  private sink: ((msg: RunnerMessage) => void) | null = null;
  private tail = '';

  constructor(opts: { memoryMb: number }) {
    this.env = childEnv();
    this.argv = ['--import', TSX, `--max-old-space-size=${Math.max(64, Math.floor(opts.memoryMb))}`];
    let child: ChildProcess | null = null;
    let spawnError: unknown;
    try {
      child = fork(RUNNER, [], {
        cwd: tmpdir(),
        env: this.env,
        execArgv: this.argv,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
    } catch (err) {
      spawnError = err;
    }
    this.child = child;
    this.pid = child?.pid;
    this.exited = new Promise<ChildExit>((resolve) => {
      if (!child) return resolve({ code: null, signal: null, spawnError });
      child.once('error', (err) => {
        if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: err });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    let markReady: (ok: boolean) => void = () => {};
    this.ready = new Promise<boolean>((resolve) => {
      markReady = resolve;
    });
    void this.exited.then(() => markReady(false));
    child?.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-8000);
    });
    child?.stdout?.resume();
    child?.on('message', (raw: unknown) => {
      const parsed = runnerMessageSchema.safeParse(raw);
      if (!parsed.success) return;
      if (parsed.data.type === 'ready') markReady(true);
      else this.sink?.(parsed.data);
    });
  }

  /** The runner's script path and node flags, as spawned. */
  get command(): string[] {
    return [...this.argv, RUNNER];
  }

  /** The last 8 kB of the child's stderr (for logs only, never for teams). */
  get stderrTail(): string {
    return this.tail;
  }

  /** True while the process has not exited. */
  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Route the child's messages (other than `ready`) to `fn`. */
  onMessage(fn: (msg: RunnerMessage) => void): void {
    this.sink = fn;
  }

  /** Send the job; a delivery error is noted in the tail (the exit tells what happened). */
  send(message: object): void {
    this.child?.send(message, (err) => {
      if (err) this.tail += `\nmessage not delivered: ${err.message}`;
    });
  }

  /** SIGKILL the child if it is still running. */
  kill(): void {
    if (this.alive) this.child?.kill('SIGKILL');
  }
}
