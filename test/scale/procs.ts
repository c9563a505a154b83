// Real `sketchboard` processes for the scale tests: each in its own process group (killed whole), output captured, scorer logs parsed.
import { type ChildProcess, spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

const BIN = fileURLToPath(new URL('../../functions/cli/bin.mjs', import.meta.url));

/** How a process ended. */
export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** One `sketchboard <verb>` process. */
export type Proc = {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  out(): string;
  exited: Promise<Exit>;
  /** True once it has exited. */
  readonly done: boolean;
  /** Signal the process itself (what Kubernetes or tini does). */
  signal(sig: NodeJS.Signals): void;
  /** Signal its whole process group: the process and its sandboxed runners (a lost pod). */
  killGroup(sig?: NodeJS.Signals): void;
};

/** Every group started by this test process, killed on exit even if a suite forgets to. */
const live = new Set<number>();
process.once('exit', () => {
  for (const pid of live) killQuietly(-pid, 'SIGKILL');
});

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Start `node functions/cli/bin.mjs <args>` with exactly `env` (plus PATH) as the leader of a new process group. */
export function startCli(name: string, args: string[], env: Record<string, string>): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${name}: spawn failed`);
  live.add(pid);
  let text = '';
  const append = (c: Buffer) => {
    text += c.toString();
  };
  proc.stdout?.on('data', append);
  proc.stderr?.on('data', append);
  let done = false;
  const exited = new Promise<Exit>((resolve) =>
    // 'close', not 'exit': by then its stdout and stderr have been read to the end.
    proc.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  return {
    name,
    pid,
    proc,
    out: () => text,
    exited,
    get done() {
      return done;
    },
    signal: (sig) => killQuietly(pid, sig),
    killGroup: (sig = 'SIGKILL') => killQuietly(-pid, sig),
  };
}

/** SIGKILL every group and wait (bounded: a leader that never reports its exit is left behind) for the leaders to exit. */
export async function killAll(procs: Proc[]): Promise<void> {
  for (const p of procs) p.killGroup('SIGKILL');
  await vi.waitFor(() => Promise.all(procs.map((p) => p.exited)), { timeout: 10_000 }).catch(() => {});
  for (const p of procs) live.delete(p.pid);
}

/** A port free on 127.0.0.1 right now (the benchmarks' helper). */
export { freePort } from '../../bench/lib/pg-cluster.js';

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(2000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** One `scoring` or `scored` line of a scorer's info log. */
export type ScoreLog = { event: 'scoring' | 'scored'; submissionId: string; attempt: number };

/** The `[info] scoring {...}` / `[info] scored {...}` lines in a scorer's output, in order. */
export function scoreLogs(out: string): ScoreLog[] {
  const logs: ScoreLog[] = [];
  for (const m of out.matchAll(/^\[info\] (scoring|scored) (\{.*\})$/gm)) {
    const fields = JSON.parse(m[2]) as { submissionId?: unknown; attempt?: unknown };
    if (typeof fields.submissionId !== 'string' || typeof fields.attempt !== 'number') continue;
    logs.push({
      event: m[1] as ScoreLog['event'],
      submissionId: fields.submissionId,
      attempt: fields.attempt,
    });
  }
  return logs;
}

/** Submissions a scorer started (`scoring`) but has not logged as `scored`. */
export function runningOn(out: string): string[] {
  const logs = scoreLogs(out);
  const scored = new Set(logs.filter((l) => l.event === 'scored').map((l) => l.submissionId));
  return logs.filter((l) => l.event === 'scoring' && !scored.has(l.submissionId)).map((l) => l.submissionId);
}

/** Ids a scorer logged as `scored`. */
export function scoredBy(out: string): string[] {
  return scoreLogs(out)
    .filter((l) => l.event === 'scored')
    .map((l) => l.submissionId);
}
