// Exec probe for containers without an HTTP port (the scorer): PostgreSQL answers, and the scoring queue exists.
//   node --import tsx infra/probe.ts [--queue] [--timeout-ms 5000]      exit 0 healthy, 1 unhealthy, 2 misused
import postgres from 'postgres';
import { errorMessage } from '../core/errors.js';
import { SCORE_QUEUE } from '../functions/queue/queue.js';

/** pg-boss's default schema, where `startQueue` creates the queues. */
const BOSS_SCHEMA = 'pgboss';

export type ProbeOptions = { databaseUrl: string | undefined; queue: boolean; timeoutMs: number };

/**
 * One health check: `select 1` on DATABASE_URL within `timeoutMs`, and with `queue` the pg-boss queue
 * the scorer pulls from. Embedded PGlite cannot be probed from another process (it is single-process).
 *
 * @example
 * const { ok, message } = await probe({ databaseUrl: process.env.DATABASE_URL, queue: true, timeoutMs: 5000 });
 */
export async function probe(opts: ProbeOptions): Promise<{ ok: boolean; message: string }> {
  if (!opts.databaseUrl) return { ok: false, message: 'DATABASE_URL is not set (PGlite cannot be probed)' };
  const sql = postgres(opts.databaseUrl, {
    max: 1,
    connect_timeout: Math.ceil(opts.timeoutMs / 1000),
    idle_timeout: 1,
    onnotice: () => {},
    connection: { application_name: 'sketchboard-probe', statement_timeout: opts.timeoutMs },
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  });
  try {
    const check = async () => {
      await sql`select 1`;
      if (!opts.queue) return { ok: true, message: 'database ok' };
      const table = await sql`select to_regclass(${`${BOSS_SCHEMA}.queue`}) as name`;
      if (!table[0]?.name) return { ok: false, message: 'pg-boss is not installed: run infra/migrate.ts' };
      const rows = await sql`select 1 from ${sql(BOSS_SCHEMA)}.queue where name = ${SCORE_QUEUE}`;
      return rows.length > 0
        ? { ok: true, message: `database ok, queue ${SCORE_QUEUE} ok` }
        : { ok: false, message: `queue ${SCORE_QUEUE} is missing: run infra/migrate.ts` };
    };
    return await Promise.race([check(), deadline]);
  } catch (err) {
    return { ok: false, message: `database check failed: ${errorMessage(err)}` };
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** Parses `[--queue] [--timeout-ms N]`; null when the arguments are wrong. */
export function probeArgs(argv: string[]): Pick<ProbeOptions, 'queue' | 'timeoutMs'> | null {
  let queue = false;
  let timeoutMs = 5000;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--queue') queue = true;
    else if (argv[i] === '--timeout-ms' && /^\d+$/.test(argv[i + 1] ?? '')) timeoutMs = Number(argv[++i]);
    else return null;
  }
  return { queue, timeoutMs };
}

if (process.argv[1]?.endsWith('probe.ts')) {
  const args = probeArgs(process.argv.slice(2));
  if (!args) {
    process.stderr.write('usage: node --import tsx infra/probe.ts [--queue] [--timeout-ms N]\n');
    process.exitCode = 2;
  } else {
    const { ok, message } = await probe({ databaseUrl: process.env.DATABASE_URL, ...args });
    (ok ? process.stdout : process.stderr).write(`probe: ${message}\n`);
    process.exitCode = ok ? 0 : 1;
  }
}
