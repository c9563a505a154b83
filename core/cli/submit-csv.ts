// Submit a prediction file (output.csv) end to end: send it with an Idempotency-Key, print the score and rank it got at once.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ApiLeaderboardRow, ApiSubmission } from '../api/index.js';
import { formatBytes } from '../bundle/limits.js';
import type { SketchboardClient } from '../client/client.js';
import { SketchboardError } from '../errors.js';
import { processIo, reportScore, type SubmitIo } from './submit-flow.js';

/** True when `path` names a prediction file (`.csv`) rather than a bundle zip or folder. */
export function isPredictionFile(path: string): boolean {
  return /\.csv$/i.test(path);
}

export type SubmitCsvOutcome = {
  /** 0 scored; the server refuses a bad file with an error (thrown as ClientError) instead. */
  exitCode: 0;
  submission: ApiSubmission;
  /** The team's public standing after the score, when it could be found. */
  row: ApiLeaderboardRow | null;
};

/**
 * Sends the prediction file `csvPath` (`ID,image_path,target`, every test ID once) to the competition with a
 * fresh Idempotency-Key (a retried request returns the same submission). The server checks and scores it
 * at once, with no runner: the public score and the team's rank are printed as `submit` prints a bundle's.
 * A refused file is a ClientError whose message names the first lines at fault (422 invalid_predictions).
 *
 * @example
 * const { submission } = await submitPredictionFile(client, { slug: 'sketch-demo', csvPath: 'output.csv' });
 */
export async function submitPredictionFile(
  client: SketchboardClient,
  options: { slug: string; csvPath: string },
  io: SubmitIo = processIo(),
): Promise<SubmitCsvOutcome> {
  let csv: Buffer;
  try {
    csv = await readFile(options.csvPath);
  } catch (err) {
    throw new SketchboardError('not_found', `cannot read ${options.csvPath}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  io.out(`sending ${options.csvPath} (${formatBytes(csv.byteLength)}) as a prediction file`);
  const { submission, created } = await client.submitPredictions(options.slug, csv, randomUUID());
  io.out(`submission ${submission.id} ${created ? 'created' : 'found'}: ${submission.status}`);
  const row = await reportScore(client, options.slug, submission, io);
  return { exitCode: 0, submission, row };
}
