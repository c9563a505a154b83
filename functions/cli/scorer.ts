// `sketchboard scorer`: the long-running scoring worker; N concurrent jobs from the queue, graceful stop on SIGINT/SIGTERM.

import { type Command, parse } from '../../core/cli/args.js';
import { envDefault, loadEnv } from '../config/env.js';
import { openScorerParts } from '../scorer/standalone.js';
import { startScorer } from '../scorer/worker.js';

/** `(default N)` as the env schema has it: the usage quotes the one place defaults live. */
const dflt = (name: string) => `(default ${envDefault(name)})`;

const usage = `Usage: sketchboard scorer

Pulls score-submission jobs from the queue and scores them, each bundle in a sandboxed child
process (wall-clock and memory limits enforced by killing it). Configured by the environment:

  DATABASE_URL                           PostgreSQL (unset: embedded PGlite under SKETCHBOARD_DATA_DIR)
  SKETCHBOARD_DATA_DIR                   data folder (blobs; PGlite) ${dflt('SKETCHBOARD_DATA_DIR')}
  SKETCHBOARD_SCORER_CONCURRENCY         jobs scored at once ${dflt('SKETCHBOARD_SCORER_CONCURRENCY')}
  SKETCHBOARD_SCORER_TIMEOUT_SECONDS     wall-clock limit per run ${dflt('SKETCHBOARD_SCORER_TIMEOUT_SECONDS')}
  SKETCHBOARD_SCORER_MEMORY_MB           memory limit per run ${dflt('SKETCHBOARD_SCORER_MEMORY_MB')}
  SKETCHBOARD_SCORER_MAX_ATTEMPTS        attempts for infrastructure faults ${dflt('SKETCHBOARD_SCORER_MAX_ATTEMPTS')}
  SKETCHBOARD_SCORER_STOP_GRACE_SECONDS  on SIGINT/SIGTERM, time running jobs get to finish ${dflt('SKETCHBOARD_SCORER_STOP_GRACE_SECONDS')}

SIGINT/SIGTERM: stop claiming, let running jobs finish within the grace period, then hand them back
(their runs are killed and the jobs retried by another scorer); close the queue and the database pool.`;

async function run(argv: string[]): Promise<number> {
  parse(argv, {}, false);
  const env = loadEnv();
  const parts = await openScorerParts(env, { queue: true });
  try {
    const queue = parts.queue;
    if (!queue) throw new Error('queue did not start');
    const scorer = await startScorer({ db: parts.database.db, queue, blobs: parts.blobs, env });
    process.stdout.write(
      `scorer ready: ${env.scorer.concurrency} concurrent job(s) on ${parts.database.kind}\n`,
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    process.stdout.write(`scorer: ${signal}, stopping (${scorer.active} job(s) running)\n`);
    await scorer.stop();
    return 0;
  } finally {
    await parts.close();
  }
}

/** The `scorer` verb. */
export const command: Command = {
  name: 'scorer',
  summary: 'run the scoring worker (pulls jobs from the queue)',
  usage,
  run,
};
