// `sketchboard serve`: the whole service in one process: migrations, queue, blobs, API, embedded scorer, demo.

import { log } from '../../core/log.js';
import { type Env, ensureHostToken } from '../config/env.js';
import { makeDataPrivate } from '../config/private-files.js';
import { type Database, openDatabase } from '../db/client.js';
import { apiConfigFromEnv } from '../http/app.js';
import { type RunningServer, startServer } from '../http/server.js';
import { type JobQueue, startQueue } from '../queue/queue.js';
import { startSweeper } from '../scorer/sweeper.js';
import { type RunningScorer, startScorer } from '../scorer/worker.js';
import type { ServiceContext } from '../services/context.js';
import type { BlobStore } from '../storage/blob.js';
import { createBlobStore } from '../storage/index.js';
import { type DemoCompetition, ensureDemoCompetition } from './demo-competition.js';

export type RunningService = {
  url: string;
  hostToken: { token: string; generated: boolean };
  demo: DemoCompetition | null;
  scorer: RunningScorer | null;
  /** Graceful stop: stop claiming and finish/hand back running jobs, drain HTTP, close queue and database. */
  stop(): Promise<void>;
};

export type ServiceOptions = {
  /** Create the `sketch-demo` competition if missing (default: only in embedded mode, i.e. no DATABASE_URL). */
  demo?: boolean;
  hostname?: string;
};

/**
 * Start API + (optionally) the embedded scorer over the configured database and blob store.
 *
 * @example
 * const service = await startService(loadEnv());
 * process.once('SIGTERM', () => void service.stop());
 */
export async function startService(env: Env, opts: ServiceOptions = {}): Promise<RunningService> {
  await makeDataPrivate(env.dataDir);
  const hostToken = await ensureHostToken(env);
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const fn of cleanups.reverse()) {
      await fn().catch((err: unknown) => log.warn('shutdown step failed', { error: String(err) }));
    }
  };
  try {
    const database: Database = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
    cleanups.push(() => database.close());
    const queue: JobQueue = await startQueue(database, {
      maxAttempts: env.scorer.maxAttempts,
      timeoutSeconds: env.scorer.timeoutSeconds,
    });
    cleanups.push(() => queue.stop());
    const blobs: BlobStore = await createBlobStore(env);
    cleanups.push(async () => blobs.dispose?.());
    const services: ServiceContext = {
      db: database.db,
      queue,
      hostToken: hostToken.token,
      maxActiveSubmissions: env.maxActiveSubmissions,
    };
    // Submissions left `running` past every limit (a lost job, a killed one-shot scorer) are failed, not kept.
    cleanups.push(startSweeper(services, { timeoutSeconds: env.scorer.timeoutSeconds }));
    const wantDemo = opts.demo ?? env.databaseUrl === undefined;
    const demo = wantDemo ? await ensureDemoCompetition(services, env, blobs) : null;
    const server: RunningServer = await startServer({
      env,
      deps: { services, blobs, config: apiConfigFromEnv(env) },
      hostname: opts.hostname,
    });
    cleanups.push(() => server.close());
    let scorer: RunningScorer | null = null;
    if (env.scorer.embedded) {
      scorer = await startScorer({ db: database.db, queue, blobs, env });
      const running = scorer;
      cleanups.push(() => running.stop());
    }
    return { url: server.url, hostToken, demo, scorer, stop: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
