// A benchmark's PostgreSQL: a fresh database on TEST_DATABASE_URL, else a throwaway 15 cluster started as .ci/run does.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';

/** Debian's PostgreSQL 15 binaries (the `postgresql` package), the ones .ci/run uses. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A database the benchmark may fill and throw away. `stop()` removes it (cluster and folder, or the database). */
export type BenchDatabase = { url: string; origin: string; stop(): Promise<void> };

/** A port nobody listens on right now on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (initdb refuses root), else as ourselves. */
function pg(binary: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args]]
    : [join(PG_BIN, binary), args];
  const run = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  if (run.status !== 0) {
    throw new Error(`${binary} ${args.join(' ')} failed (${run.status ?? run.signal}): ${run.stderr}`);
  }
}

/** Creates database `name` through the server at `adminUrl`; returns the new database's URL. */
async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database on the TEST_DATABASE_URL server, dropped (with force) by `stop()`. */
async function onTestServer(adminUrl: string): Promise<BenchDatabase> {
  const name = `sb_bench_${randomBytes(6).toString('hex')}`;
  const url = await createDatabase(adminUrl, name);
  return {
    url,
    origin: `database ${name} on TEST_DATABASE_URL`,
    async stop() {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * A throwaway cluster: initdb in a `mktemp -d` folder owned by postgres, `pg_ctl start` on a free port
 * (`-k /tmp -c listen_addresses=127.0.0.1`), `CREATE DATABASE`. `stop()` (also safe from an exit handler:
 * it is synchronous inside) stops it immediately and removes the folder; calling it twice does nothing.
 */
async function throwawayCluster(): Promise<BenchDatabase> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(
      `PostgreSQL 15 is not installed (${PG_BIN}/initdb missing). Install it with ` +
        '`apt-get install -y postgresql` (Debian 12), or set TEST_DATABASE_URL to a server of yours.',
    );
  }
  const dir = mkdtempSync('/tmp/sketchboard-bench-pg.');
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(
      process.getuid?.() === 0 ? 'runuser' : join(PG_BIN, 'pg_ctl'),
      [
        ...(process.getuid?.() === 0 ? ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl')] : []),
        '-D',
        dir,
        '-m',
        'immediate',
        'stop',
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);
  try {
    if (process.getuid?.() === 0) {
      const chown = spawnSync('chown', ['postgres:postgres', dir], { stdio: 'inherit' });
      if (chown.status !== 0) throw new Error(`chown postgres:postgres ${dir} failed`);
    }
    chmodSync(dir, 0o755);
    pg('initdb', ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    const port = await freePort();
    const opts = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200`;
    try {
      pg('pg_ctl', ['-D', dir, '-l', join(dir, 'log'), '-w', '-o', opts, 'start']);
    } catch (err) {
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').slice(-2000) : '';
      throw new Error(`${(err as Error).message}\n${log}`);
    }
    const url = await createDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, 'sketchboard_bench');
    return {
      url,
      origin: `throwaway PostgreSQL 15 cluster in ${dir}, port ${port}`,
      async stop() {
        process.removeListener('exit', stopSync);
        stopSync();
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

/**
 * The benchmark's database: a fresh one on TEST_DATABASE_URL when set, else a throwaway local cluster.
 *
 * @example
 * const pgdb = await benchDatabase();
 * try { ... openDatabase({ databaseUrl: pgdb.url }) ... } finally { await pgdb.stop(); }
 */
export function benchDatabase(): Promise<BenchDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  return adminUrl ? onTestServer(adminUrl) : throwawayCluster();
}
