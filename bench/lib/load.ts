// Load passes: what to request (one URL, or a cycle of pages / sessions) and `runLoad`, which runs autocannon in a child process.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How a pass varies its requests so that (cold) no cache answers twice, or (`none`, warm) one URL. */
export type Variation =
  | { kind: 'none' }
  /** `&limit=L&offset=O`: O cycles over the teams, L over 100..199, so `teams × 100` distinct pages. */
  | { kind: 'offset'; teams: number }
  /** `page=P`: P cycles over 1..pages (the HTML board's pages). */
  | { kind: 'page'; pages: number };

/** One pass: GET `path` (varied per request) on `url` with `connections` connections for `seconds`. */
export type LoadSpec = {
  url: string;
  path: string;
  vary: Variation;
  /** `Cookie` header values cycled per request (empty: none). */
  cookies: string[];
  connections: number;
  seconds: number;
};

/** What a pass measured. Latencies in ms; `ok` counts 2xx and 304; `errors` include timeouts. */
export type LoadResult = {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  responses: number;
  ok: number;
  badStatus: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  sent: number;
};

/**
 * The path of the `n`-th request of a pass.
 *
 * @example
 * expandPath('/api/competitions/x/leaderboard?split=public', { kind: 'offset', teams: 1000 }, 1001);
 * // '/api/competitions/x/leaderboard?split=public&limit=101&offset=1'
 */
export function expandPath(path: string, vary: Variation, n: number): string {
  const sep = path.includes('?') ? '&' : '?';
  if (vary.kind === 'offset') {
    return `${path}${sep}limit=${100 + (Math.floor(n / vary.teams) % 100)}&offset=${n % vary.teams}`;
  }
  if (vary.kind === 'page') return `${path}${sep}page=${1 + (n % vary.pages)}`;
  return path;
}

/** How many different paths the variation cycles through. */
export function cycleLength(vary: Variation): number {
  return vary.kind === 'offset' ? vary.teams * 100 : vary.kind === 'page' ? vary.pages : 1;
}

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

type ChildAnswer = { ok: true; result: LoadResult } | { ok: false; error: string };

/**
 * Runs one pass in a separate Node process (autocannon's programmatic API with the tsx loader), so the
 * load generator never shares an event loop with the API. Killed if it outlives the pass by 30 s.
 *
 * @example
 * const r = await runLoad({ url, path: '/c/demo', vary: { kind: 'none' }, cookies: [], connections: 100, seconds: 20 });
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), (spec.seconds + 30) * 1000);
    let answer: ChildAnswer | undefined;
    child.once('message', (message) => {
      answer = message as ChildAnswer;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      if (answer?.ok) resolve(answer.result);
      else reject(new Error(`load generator failed (${code ?? signal}): ${answer?.error ?? 'no answer'}`));
    });
    child.send(spec);
  });
}
