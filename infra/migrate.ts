// One-shot schema set-up for compose and Kubernetes: drizzle migrations plus pg-boss's schema and queues, then exit.
//   node --import tsx infra/migrate.ts      (same environment as `sketchboard serve` / `sketchboard scorer`)
import { errorMessage } from '../core/errors.js';
import { loadEnv } from '../functions/config/env.js';
import { openDatabase } from '../functions/db/client.js';
import { startQueue } from '../functions/queue/queue.js';

/**
 * Applies pending migrations and creates (or re-configures) the scoring queues, so that replicas
 * starting afterwards find nothing to do. Every process also migrates at start-up; running this first
 * keeps many replicas from racing on the first deploy. Returns the process exit code.
 *
 * @example
 * process.exitCode = await migrate(process.env);
 */
export async function migrate(source: Record<string, string | undefined>): Promise<number> {
  const started = performance.now();
  try {
    const env = loadEnv(source);
    const database = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
    try {
      const queue = await startQueue(database, {
        maxAttempts: env.scorer.maxAttempts,
        timeoutSeconds: env.scorer.timeoutSeconds,
        supervise: false,
      });
      await queue.stop();
    } finally {
      await database.close();
    }
    const where = env.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${env.dataDir}`;
    const ms = Math.round(performance.now() - started);
    process.stdout.write(`migrate: schema and queues are up to date on ${where} (${ms} ms)\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`migrate: ${errorMessage(err)}\n`);
    return 1;
  }
}

if (process.argv[1]?.endsWith('migrate.ts')) process.exitCode = await migrate(process.env);
