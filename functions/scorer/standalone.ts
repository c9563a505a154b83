// Opens what a scorer process needs on its own (database, blobs, optionally the queue) and builds attempt dependencies.

import type { Env } from '../config/env.js';
import { makeDataPrivate } from '../config/private-files.js';
import { type Database, openDatabase } from '../db/client.js';
import { type JobQueue, startQueue } from '../queue/queue.js';
import type { BlobStore } from '../storage/blob.js';
import { createBlobStore } from '../storage/index.js';

/** A scorer process's connections; `close` releases them in order. */
export type ScorerParts = { database: Database; blobs: BlobStore; queue?: JobQueue; close(): Promise<void> };

/**
 * Open the database (migrated), the blob store and, with `queue: true`, pg-boss, from the environment.
 *
 * @example
 * const parts = await openScorerParts(loadEnv(), { queue: true });
 * try { ... } finally { await parts.close(); }
 */
export async function openScorerParts(env: Env, opts: { queue: boolean }): Promise<ScorerParts> {
  await makeDataPrivate(env.dataDir);
  const database = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
  let queue: JobQueue | undefined;
  let blobs: BlobStore;
  try {
    blobs = await createBlobStore(env);
    if (opts.queue) {
      queue = await startQueue(database, {
        maxAttempts: env.scorer.maxAttempts,
        timeoutSeconds: env.scorer.timeoutSeconds,
      });
    }
  } catch (err) {
    await queue?.stop();
    await database.close();
    throw err;
  }
  return {
    database,
    blobs,
    queue,
    async close() {
      blobs.dispose?.();
      await queue?.stop();
      await database.close();
    },
  };
}
