// `sketchboard score --submission ID`: score one submission now and exit (serverless and batch runtimes).

import { type Command, parse, required } from '../../core/cli/args.js';
import { loadEnv } from '../config/env.js';
import { scoreAttempt } from '../scorer/attempt.js';
import { openScorerParts } from '../scorer/standalone.js';
import { scorerDeps } from '../scorer/worker.js';

const usage = `Usage: sketchboard score --submission ID

Scores one queued (or abandoned running) submission in a sandboxed child process, stores its
public and private accuracy and output.csv, and exits: for serverless or batch runtimes that
start one process per submission. Same environment as \`sketchboard scorer\`; no queue worker runs.
A worker that later picks up the same submission's job finds it finished and skips it.

Exit code 0 when a result (scored or failed) was recorded or there was nothing to do; 1 when an
infrastructure fault kept it from scoring.`;

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { submission: { type: 'string' } }, false);
  const submissionId = required(values.submission, 'submission');
  const env = loadEnv();
  const parts = await openScorerParts(env, { queue: false });
  try {
    const deps = scorerDeps({ db: parts.database.db, blobs: parts.blobs, env });
    const out = await scoreAttempt(deps, { submissionId, lastAttempt: true });
    switch (out.status) {
      case 'scored':
        process.stdout.write(
          `submission ${submissionId}: scored, public ${out.public.toFixed(4)}, ${out.imagesPerSecond.toFixed(1)} images/s\n`,
        );
        return 0;
      case 'failed':
        process.stdout.write(
          `submission ${submissionId}: failed (${out.failure.code}): ${out.failure.message}\n`,
        );
        return out.failure.isInfra ? 1 : 0;
      case 'skipped':
        process.stdout.write(
          `submission ${submissionId}: nothing to do (already finished or held by a newer attempt)\n`,
        );
        return 0;
      default:
        process.stdout.write(`submission ${submissionId}: ${out.status}\n`);
        return 1;
    }
  } finally {
    await parts.close();
  }
}

/** The `score` verb. */
export const command: Command = { name: 'score', summary: 'score one submission now and exit', usage, run };
