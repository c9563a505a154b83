// infra/migrate.ts and infra/probe.ts run exactly as the containers run them: `node --import tsx infra/<script>.ts`.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCORE_DEAD_QUEUE, SCORE_QUEUE } from '../../functions/queue/queue.js';
import { useSuiteDir } from '../helpers/temp.js';
import { REPO } from './manifest-model.js';

const run = promisify(execFile);
const TOKEN = 'host-token-for-infra-tests-0123';

/** Runs a script with exactly `env` (plus PATH); resolves with its exit code and output, never rejects. */
async function script(name: string, env: Record<string, string>, args: string[] = []) {
  try {
    const out = await run(process.execPath, ['--import', 'tsx', `infra/${name}.ts`, ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', SKETCHBOARD_LOG_LEVEL: 'warn', ...env },
      timeout: 90_000,
    });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const tmp = useSuiteDir('sb-infra-scripts-');

describe('infra/migrate.ts', () => {
  it('sets up schema and queues on embedded PGlite', async () => {
    const env = { SKETCHBOARD_DATA_DIR: join(tmp.dir, 'data') };
    const first = await script('migrate', env);
    expect(first.stderr).toBe('');
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/up to date on PGlite in /) });
    const pglite = new PGlite(join(tmp.dir, 'data', 'pglite'));
    try {
      const queues = await pglite.query<{ name: string }>('select name from pgboss.queue order by name');
      expect(queues.rows.map((r) => r.name)).toEqual([SCORE_QUEUE, SCORE_DEAD_QUEUE].sort());
      const tables = await pglite.query("select 1 from pg_tables where tablename = 'submissions'");
      expect(tables.rows).toHaveLength(1);
    } finally {
      await pglite.close();
    }
  });

  it('exits 1 with the environment problem, before touching anything', async () => {
    const out = await script('migrate', {
      DATABASE_URL: 'postgres://db/x',
      SKETCHBOARD_DATA_DIR: join(tmp.dir, 'bad'),
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/migrate: invalid environment:\n\s+SKETCHBOARD_HOST_TOKEN: required/);
  });
});

describe('infra/probe.ts', () => {
  it('refuses bad arguments (exit 2) and embedded mode (exit 1)', async () => {
    expect((await script('probe', {}, ['--deep'])).code).toBe(2);
    const embedded = await script('probe', {}, ['--queue']);
    expect(embedded).toMatchObject({ code: 1, stderr: expect.stringMatching(/DATABASE_URL is not set/) });
  });

  it('fails when PostgreSQL refuses, and by its own timeout when it does not answer', async () => {
    const refused = await script('probe', { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, [
      '--timeout-ms',
      '3000',
    ]);
    expect(refused).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/database check failed: .*ECONNREFUSED/),
    });
    // A server that accepts the connection and never says a word: the probe gives up by its timeout
    // (a probe that waited for an answer would be killed by script()'s bound and exit without code 1).
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const mute = await script('probe', { DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none` }, [
        '--timeout-ms',
        '2000',
      ]);
      expect(mute).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/database check failed: (no answer within 2000 ms|.*CONNECT_TIMEOUT)/),
      });
    } finally {
      silent.close();
    }
  });
});

const adminUrl = process.env.TEST_DATABASE_URL;
describe.skipIf(!adminUrl)('migrate and probe on PostgreSQL (TEST_DATABASE_URL)', () => {
  const name = `sb_infra_${randomBytes(5).toString('hex')}`;
  let url = '';
  let admin: postgres.Sql;
  beforeAll(async () => {
    admin = postgres(adminUrl ?? '', { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const u = new URL(adminUrl ?? '');
    u.pathname = `/${name}`;
    url = u.toString();
  });
  afterAll(async () => {
    await admin?.unsafe(`drop database if exists ${name} with (force)`);
    await admin?.end({ timeout: 5 });
  });

  it('reports not-ready until migrate ran, then ready', async () => {
    expect((await script('probe', { DATABASE_URL: url })).code).toBe(0);
    const before = await script('probe', { DATABASE_URL: url }, ['--queue']);
    expect(before).toMatchObject({ code: 1, stderr: expect.stringMatching(/pg-boss is not installed/) });
    const migrated = await script('migrate', { DATABASE_URL: url, SKETCHBOARD_HOST_TOKEN: TOKEN });
    expect(migrated).toMatchObject({ code: 0, stdout: expect.stringMatching(/PostgreSQL \(DATABASE_URL\)/) });
    const again = await script('migrate', { DATABASE_URL: url, SKETCHBOARD_HOST_TOKEN: TOKEN });
    expect(again.code).toBe(0); // idempotent: every deploy may run it
    const after = await script('probe', { DATABASE_URL: url }, ['--queue']);
    expect(after).toMatchObject({ code: 0, stdout: `probe: database ok, queue ${SCORE_QUEUE} ok\n` });
  });
});
