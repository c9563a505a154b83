// Benchmark: leaderboard reads under 100 concurrent clients on real PostgreSQL, cold and warm (with a writer), one API process.
//
//   npm run bench:leaderboard -- [--teams 1000] [--per-team 100] [--connections 100] [--seconds 20]
//                                [--writer-rate 10] [--seed-budget 300] [--probe 3000]
//
// Not a test: prints figures. Database: a fresh database on TEST_DATABASE_URL when set, else a throwaway
// PostgreSQL 15 cluster started as .ci/run does (removed at the end, also on Ctrl-C or an error). Seeds one
// competition (teams × per-team submissions, 10% failed) through the services (bench/lib/board-seed.ts),
// starts `sketchboard serve` (scorer off) on 127.0.0.1 in its own process, and drives each target from a
// separate autocannon process: the public JSON board, the public HTML board and the signed-in team page,
// cold (every request another page or team) then warm (one URL) while a writer here scores
// `writer-rate` submissions/s through the services. 304 counts as success.
// Targets (issue 10): JSON board warm p99 < 50 ms, ≥ 2,000 requests/s, no errors; HTML board p99 < 100 ms.
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Rng } from '../core/rng.js';
import { openDatabase } from '../functions/db/client.js';
import { SESSION_COOKIE } from '../functions/http/pages/session.js';
import { startQueue } from '../functions/queue/queue.js';
import type { ServiceContext } from '../functions/services/index.js';
import { apiSettled, startApiProcess } from './lib/api-process.js';
import { HTML_BOARD, JSON_BOARD, type Row, table, verdicts } from './lib/board-report.js';
import { seedBoard } from './lib/board-seed.js';
import { startWriter, type WriterReport } from './lib/board-writer.js';
import { cycleLength, runLoad, type Variation } from './lib/load.js';
import { benchDatabase } from './lib/pg-cluster.js';

const { values: args } = parseArgs({
  options: {
    teams: { type: 'string', default: '1000' },
    'per-team': { type: 'string', default: '100' },
    connections: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    'writer-rate': { type: 'string', default: '10' },
    'seed-budget': { type: 'string', default: '300' },
    probe: { type: 'string', default: '3000' },
  },
});
const flag = (name: keyof typeof args, min: number, max: number): number => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: an integer in ${min}..${max}`);
  return n;
};
const teams = flag('teams', 1, 100_000);
const perTeam = flag('per-team', 1, 10_000);
const connections = flag('connections', 1, 1000);
const seconds = flag('seconds', 1, 600);
const writerRate = flag('writer-rate', 1, 1000);
const say = (line = '') => process.stdout.write(`${line}\n`);

/** Cleanup steps, run once in reverse order: at the end, on an error, on SIGINT/SIGTERM. */
const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
const cleanup = () => {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse())
      await step().catch((err: unknown) => say(`cleanup: ${String(err)}`));
  })();
  return cleaning;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping and removing the database`);
    void cleanup().finally(() => process.exit(130));
  });
}

type Target = { name: string; path: string; cold: Variation; coldCookies: string[]; warmCookies: string[] };

/** GETs `path` once and returns its status (and the time and size it took), for the probes. */
async function probe(url: string, path: string, cookie?: string) {
  const t0 = performance.now();
  const res = await fetch(`${url}${path}`, {
    headers: cookie ? { cookie } : {},
    redirect: 'manual',
    signal: AbortSignal.timeout(120_000),
  });
  const body = await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0, kb: body.byteLength / 1024 };
}

/** Signs in through the page form (POST /sign-in with the team token) and returns the session cookie. */
async function signIn(url: string, token: string, next: string): Promise<string> {
  const res = await fetch(`${url}/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(60_000),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (res.status !== 303 || !cookie)
    throw new Error(`POST /sign-in answered ${res.status} without a session`);
  return cookie.split(';')[0];
}

async function main(): Promise<void> {
  const [load1, load5] = loadavg();
  say(
    `bench/leaderboard: ${teams} teams × ${perTeam} submissions, ${connections} connections × ${seconds} s per pass`,
  );
  say(
    `machine: ${availableParallelism()} cores, load average at start ${load1.toFixed(2)} (1 min) ${load5.toFixed(2)} (5 min)`,
  );
  const pgdb = await benchDatabase();
  cleanups.push(() => pgdb.stop());
  say(`database: ${pgdb.origin}`);
  const database = await openDatabase({ databaseUrl: pgdb.url, poolMax: 10 });
  cleanups.push(() => database.close());
  const queue = await startQueue(database, { maxAttempts: 1, timeoutSeconds: 600, supervise: false });
  cleanups.push(() => queue.stop());
  const ctx: ServiceContext = { db: database.db, queue, maxActiveSubmissions: 1000 };

  const seeded = await seedBoard(ctx, {
    teams,
    perTeam,
    failRate: 0.1,
    seed: 10,
    budgetSeconds: flag('seed-budget', 0, 86_400),
    probe: flag('probe', 1, 10_000_000),
    concurrency: 6,
  });
  say(`seed: ${seeded.seconds.toFixed(1)} s in all`);
  for (const line of seeded.lines) say(`  ${line}`);

  let api = await startApiProcess(pgdb.url);
  cleanups.push(() => api.stop());
  say(
    `API: sketchboard serve (scorer off) pid ${api.pid} at ${api.url}; load from a separate autocannon process`,
  );
  const slug = seeded.slug;
  const board = `/api/competitions/${slug}/leaderboard?split=public`;
  const me = seeded.teams[0];
  const cookie = await signIn(api.url, me.token, `/c/${slug}/team`);
  const paging = (await probe(api.url, `${board}&limit=1&offset=1`)).status === 200;
  const htmlPages = (await probe(api.url, `/c/${slug}?page=2`)).status === 200;
  const targets: Target[] = [
    {
      name: JSON_BOARD,
      path: board,
      cold: paging ? { kind: 'offset', teams } : { kind: 'none' },
      coldCookies: [],
      warmCookies: [],
    },
    {
      name: HTML_BOARD,
      path: `/c/${slug}`,
      cold: htmlPages ? { kind: 'page', pages: Math.ceil(teams / 100) } : { kind: 'none' },
      coldCookies: [],
      warmCookies: [],
    },
    {
      name: 'team page (signed in)',
      path: `/c/${slug}/team`,
      cold: { kind: 'none' },
      coldCookies: seeded.teams.map((t) => `${SESSION_COOKIE}=${t.token}`),
      warmCookies: [cookie],
    },
  ];
  for (const t of targets) {
    const one = await probe(api.url, t.path, t.warmCookies[0]);
    if (one.status !== 200) throw new Error(`GET ${t.path} answered ${one.status}`);
    say(`  one GET ${t.name}: ${one.ms.toFixed(0)} ms, ${one.kb.toFixed(0)} KB`);
  }
  if (!paging) say('  this build refuses limit/offset on the JSON board: its cold pass repeats one URL');
  if (!htmlPages) say('  this build refuses ?page= on the HTML board: its cold pass repeats one URL');

  const rows: Row[] = [];
  const pass = async (t: Target, which: 'cold' | 'warm') => {
    const vary: Variation = which === 'cold' ? t.cold : { kind: 'none' };
    const cookies = which === 'cold' ? t.coldCookies : t.warmCookies;
    // Requests a slow build abandoned in the previous pass are still running: wait, else restart the API.
    let restarted = '';
    if (!(await apiSettled(api.url))) {
      await api.stop(5000);
      api = await startApiProcess(pgdb.url);
      restarted = 'API restarted first (still busy with the last pass); ';
      say(`  ${restarted}pid ${api.pid} at ${api.url}`);
    }
    const result = await runLoad({ url: api.url, path: t.path, vary, cookies, connections, seconds });
    const variants = Math.max(cycleLength(vary), cookies.length);
    const spread = Math.min(result.sent, variants);
    const note =
      which === 'warm'
        ? '1 URL'
        : spread === 1
          ? `${result.sent} requests, 1 URL (paging refused)`
          : `${result.sent} requests over ${spread} different ${cookies.length > 1 ? 'teams' : 'URLs'}`;
    const codes = Object.entries(result.statuses)
      .map(([code, n]) => `${code}×${n}`)
      .join(' ');
    rows.push({ target: t.name, pass: which, result, note: `${restarted}${note}; ${codes}` });
    say(`  ${which} ${t.name}: ${result.requestsPerSecond.toFixed(1)} req/s, p99 ${result.p99} ms`);
  };
  for (const t of targets) await pass(t, 'cold');
  const writer = startWriter(ctx, seeded.teams, seeded.totals, new Rng(11), {
    perSecond: writerRate,
    maxSeconds: targets.length * (seconds + 90),
  });
  let report: WriterReport | undefined;
  try {
    for (const t of targets) await pass(t, 'warm');
  } finally {
    report = await writer.stop();
  }
  say();
  for (const line of [...table(rows, report), ...verdicts(rows)]) say(line);
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  say(`bench/leaderboard failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanup();
}
