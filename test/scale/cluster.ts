// A local cluster on real PostgreSQL: a fresh database, one API process, N scorer processes, a fast pg-boss supervisor, HTTP steps.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgBoss } from 'pg-boss';
import type postgres from 'postgres';
import { expect, vi } from 'vitest';
import type { z } from 'zod';
import { bundleResponse } from '../../core/api/bundles.js';
import { submissionResponse, triggerResponse } from '../../core/api/submissions.js';
import { createTeamResponse } from '../../core/api/teams.js';
import { type JobQueue, startQueue } from '../../functions/queue/queue.js';
import { type DatasetFixture, makeDataset } from '../api/fixtures.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fastQueue, fastSupervisor } from '../scorer/harness.js';
import { freePort, killAll, type Proc, startCli } from './procs.js';

const HOST_TOKEN = 'host-token-for-scale-tests-0123';

/** A submission as the API shows it to its team. */
export type SubmissionJson = z.infer<typeof submissionResponse>['submission'];
/** A pg-boss job row of a submission. */
export type JobRow = { id: string; state: string; retry_count: number };

export type ClusterOptions = {
  /** Queued + running submissions per team (SKETCHBOARD_MAX_ACTIVE_SUBMISSIONS). */
  maxActive?: number;
  /** Extra environment of every process. */
  env?: Record<string, string>;
};

export type Cluster = {
  root: string;
  dataset: DatasetFixture;
  url: string;
  port: number;
  api: Proc;
  scorers: Proc[];
  /** The environment every process gets. */
  env: Record<string, string>;
  test: TestDatabase;
  sql: postgres.Sql;
  /** Start `sketchboard <args>` with the cluster's environment (plus `env`); killed by `close`. */
  start(name: string, args: string[], env?: Record<string, string>): Proc;
  /** Start a scorer process with the cluster's environment (plus `env`) and wait until it is ready. */
  startScorer(name: string, env?: Record<string, string>): Promise<Proc>;
  /** SIGKILL the process groups of scorers still running (between tests, so that none takes the next test's jobs). */
  killScorers(): Promise<void>;
  /** Heartbeats of 10 s, no retry delay: call after the last process started (each start re-applies the defaults). */
  fastQueue(): Promise<void>;
  /** POST /api/competitions as the host from the dataset folder; returns the slug. */
  createCompetition(slug: string, dailyLimit: number): Promise<string>;
  registerTeam(slug: string, name: string): Promise<{ id: string; token: string }>;
  upload(slug: string, token: string, bytes: Uint8Array): Promise<string>;
  trigger(slug: string, token: string, bundleId: string): Promise<string>;
  submission(id: string, token: string): Promise<SubmissionJson>;
  /** pg-boss rows of the submissions' jobs. */
  jobs(submissionIds: string[]): Promise<JobRow[]>;
  close(): Promise<void>;
};

async function json<S extends z.ZodType>(schema: S, res: Response, what: string): Promise<z.output<S>> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text}`);
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${what}: unexpected body ${text}`);
  return parsed.data;
}

/**
 * Open a fresh database on TEST_DATABASE_URL's server (migrated, pg-boss installed), a data folder with
 * the tiny sketch set, and the API process (`serve`, no embedded scorer). Scorers come from `startScorer`.
 */
export async function openCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const root = await mkdtemp(join(tmpdir(), 'sb-scale-'));
  const test = await openTestDatabase('postgres');
  if (test.database.kind !== 'postgres') throw new Error('the scale tests need PostgreSQL');
  const { url, sql } = test.database;
  const procs: Proc[] = [];
  let queue: JobQueue | undefined;
  let supervisor: PgBoss | undefined;
  const close = async () => {
    await killAll(procs);
    await supervisor?.stop({ graceful: false, close: true }).catch(() => {});
    await queue?.stop().catch(() => {});
    await test.close();
    await rm(root, { recursive: true, force: true });
  };
  try {
    queue = await startQueue(test.database, { maxAttempts: 3, timeoutSeconds: 120, supervise: false });
    supervisor = await fastSupervisor(test.database);
    const dataset = await makeDataset(root);
    const port = await freePort();
    const env: Record<string, string> = {
      DATABASE_URL: url,
      SKETCHBOARD_HOST_TOKEN: HOST_TOKEN,
      SKETCHBOARD_DATA_DIR: join(root, 'data'),
      SKETCHBOARD_EMBEDDED_SCORER: 'false',
      SKETCHBOARD_SCORER_CONCURRENCY: '1',
      SKETCHBOARD_SCORER_TIMEOUT_SECONDS: '120',
      SKETCHBOARD_SCORER_MEMORY_MB: '2048',
      SKETCHBOARD_MAX_ACTIVE_SUBMISSIONS: String(opts.maxActive ?? 30),
      SKETCHBOARD_LOG_LEVEL: 'info',
      PORT: String(port),
      ...opts.env,
    };
    const api = startCli('api', ['serve', '--host', '127.0.0.1'], env);
    procs.push(api);
    // vi.waitFor, not expect.poll: this also runs in beforeAll hooks, outside any test.
    await vi.waitFor(() => expect(api.out()).toContain('Sketchboard is running at'), { timeout: 60_000 });
    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, headers: Record<string, string>, body: RequestInit['body']) =>
      fetch(`${base}${path}`, { method: 'POST', headers, body });
    const scorers: Proc[] = [];
    const ready = queue;
    return {
      root,
      dataset,
      url: base,
      port,
      api,
      scorers,
      env,
      test,
      sql,
      start(name, args, extra = {}) {
        const p = startCli(name, args, { ...env, ...extra });
        procs.push(p);
        return p;
      },
      async startScorer(name, extra = {}) {
        const p = startCli(name, ['scorer'], { ...env, ...extra });
        procs.push(p);
        scorers.push(p);
        await vi.waitFor(() => expect(p.out()).toContain('scorer ready'), { timeout: 60_000 });
        return p;
      },
      async killScorers() {
        const alive = scorers.filter((p) => !p.done);
        for (const p of alive) p.killGroup('SIGKILL');
        await Promise.all(alive.map((p) => p.exited));
      },
      fastQueue: () => fastQueue(ready),
      async createCompetition(slug, dailyLimit) {
        const res = await post(
          '/api/competitions',
          { Authorization: `Bearer ${HOST_TOKEN}`, 'Content-Type': 'application/json' },
          JSON.stringify({
            slug,
            title: `Scale ${slug}`,
            datasetPath: dataset.dir,
            startsAt: new Date(Date.now() - 86_400_000).toISOString(),
            endsAt: new Date(Date.now() + 86_400_000).toISOString(),
            dailyLimit,
          }),
        );
        if (res.status !== 201) throw new Error(`create competition: HTTP ${res.status} ${await res.text()}`);
        return slug;
      },
      async registerTeam(slug, name) {
        const res = await post(
          `/api/competitions/${slug}/teams`,
          { 'Content-Type': 'application/json' },
          JSON.stringify({ name, members: [`${name}-member`] }),
        );
        const { team, token } = await json(createTeamResponse, res, `register ${name}`);
        return { id: team.id, token };
      },
      async upload(slug, token, bytes) {
        const res = await post(
          `/api/competitions/${slug}/bundles`,
          { Authorization: `Bearer ${token}`, 'Content-Type': 'application/zip' },
          bytes,
        );
        return (await json(bundleResponse, res, 'upload')).bundle.id;
      },
      async trigger(slug, token, bundleId) {
        const res = await post(
          `/api/competitions/${slug}/submissions`,
          { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          JSON.stringify({ bundleId }),
        );
        return (await json(triggerResponse, res, 'trigger')).submission.id;
      },
      async submission(id, token) {
        const res = await fetch(`${base}/api/submissions/${id}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        return (await json(submissionResponse, res, `submission ${id}`)).submission;
      },
      async jobs(ids) {
        return sql<JobRow[]>`
          select j.id::text as id, j.state::text as state, j.retry_count
          from pgboss.job j join submissions s on s.job_id = j.id::text
          where s.id = any(${ids}::uuid[]) and j.name = 'score-submission'`;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
