// Scoring a prediction file (output.csv) on arrival: check it against test.csv, score with the scorer's accuracy code, store it, record it. No runner, no queue.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../../core/log.js';
import { writeOutputCsv } from '../../core/predict/output.js';
import { checkPredictions, predictionBytesLimit } from '../intake/predictions-check.js';
import { assertAccepts } from '../services/admission.js';
import { loadAnswerKey } from '../services/claims.js';
import { nowOf, type ServiceContext } from '../services/context.js';
import { predictionsOutputName, recordPredictions } from '../services/predictions.js';
import type { CompetitionView, SubmissionView } from '../services/views.js';
import { type BlobStore, outputKey } from '../storage/blob.js';
import { splitAccuracy } from './accuracy.js';

export type PredictionFileDeps = {
  services: ServiceContext;
  blobs: BlobStore;
  /** Folder for the temp output.csv written before it goes to the blob store. */
  workDir: string;
};

export type PredictionFileInput = {
  teamId: string;
  competition: Pick<CompetitionView, 'id' | 'slug' | 'classes' | 'startsAt' | 'endsAt' | 'submissionKinds'>;
  idempotencyKey?: string;
  /** Reads the file's text, refusing (413) more than `maxBytes`: called once the competition is known to take it. */
  read(maxBytes: number): Promise<string>;
};

/** sha256 (hex) of a file's bytes. */
async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * Submits a prediction file for a team: refuses before reading a byte when the competition does not take
 * prediction files (`forbidden`) or is not open (`competition_closed`); reads at most
 * `predictionBytesLimit(test items)` bytes (413); checks the file against test.csv (422
 * `invalid_predictions` naming the lines at fault); scores it with the scorer's accuracy code; stores it as
 * the submission's output.csv (`ID,image_path,target` in test.csv order, as a scored bundle's); and records
 * it `scored` with the standings kept, under the daily limit and Idempotency-Key of the bundle path.
 *
 * @example
 * const { submission } = await scorePredictionFile(deps, { teamId, competition, read: (max) => readText(body, max) });
 * submission.status; // 'scored'
 */
export async function scorePredictionFile(
  deps: PredictionFileDeps,
  input: PredictionFileInput,
): Promise<{ submission: SubmissionView; created: boolean }> {
  const ctx = deps.services;
  const { competition } = input;
  assertAccepts(competition, 'predictions', nowOf(ctx));
  const key = await loadAnswerKey(ctx, competition.id);
  const items = key.map((k) => ({ id: k.id, imagePath: k.imagePath }));
  const text = await input.read(predictionBytesLimit(items));
  const predictions = checkPredictions(text, items, competition.classes);
  const scores = splitAccuracy(predictions, key);

  await mkdir(deps.workDir, { recursive: true });
  const dir = await mkdtemp(join(deps.workDir, 'predictions-'));
  const submissionId = randomUUID();
  let stored: string | undefined;
  try {
    const csvPath = join(dir, 'output.csv');
    await writeOutputCsv(
      csvPath,
      items.map((item) => ({ id: item.id, relPath: item.imagePath })),
      predictions,
    );
    const sha256 = await sha256Of(csvPath);
    stored = outputKey(predictionsOutputName(submissionId, sha256));
    await deps.blobs.putFile(stored, csvPath);
    const result = await recordPredictions(ctx, {
      teamId: input.teamId,
      submissionId,
      idempotencyKey: input.idempotencyKey,
      sha256,
      outputKey: stored,
      public: { correct: scores.public.correct, total: scores.public.total },
      private: { correct: scores.private.correct, total: scores.private.total },
    });
    // A retry with the same key and file returns the earlier submission, which has its own stored copy.
    if (!result.created) await deps.blobs.delete(stored);
    else
      log.info('prediction file scored', {
        submissionId,
        competition: competition.slug,
        items: items.length,
      });
    return result;
  } catch (err) {
    if (stored) await deps.blobs.delete(stored).catch(() => {});
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
