// Submit a bundle end to end: streamed upload with a progress bar, idempotent trigger, spinner while scoring, score and rank.
import { randomUUID } from 'node:crypto';
import {
  type ApiLeaderboardRow,
  type ApiSubmission,
  BOARD_PAGE,
  inferenceSummary,
  standingText,
  type UploadedBundle,
} from '../api/index.js';
import { formatBytes } from '../bundle/limits.js';
import type { SketchboardClient } from '../client/client.js';
import { allSubmissions } from '../client/paging.js';
import { uploadPlannedBundle } from '../client/planned-upload.js';
import { ownRow } from '../client/standing.js';
import { isFinal, waitForScore } from '../client/wait.js';
import { type Progress, progress } from './progress.js';
import { type Spinner, spinner } from './spinner.js';

/** Where the flow writes: result lines to `out` (stdout), errors to `err`, bars and spinners to stderr. */
export type SubmitIo = {
  out(line: string): void;
  err(line: string): void;
  progress(label: string, total: number): Progress;
  spinner(label: string): Spinner;
};

/** The process's stdout/stderr. */
export function processIo(): SubmitIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: (label, total) => progress(label, total, process.stderr, { unit: 'bytes' }),
    spinner: (label) => spinner(label),
  };
}

export type SubmitOptions = {
  slug: string;
  /** A bundle zip or folder. */
  bundlePath: string;
  /** File of stored upload URLs for resuming (default ~/.sketchboard/uploads.json); false: none. */
  uploadState?: string | false;
  /** Wait for the score (default true). */
  wait?: boolean;
  /** Give up waiting after this long (the submission keeps going on the server). */
  timeoutMs: number;
  /** Bytes per tus PATCH request (default: the rest of each file in one streamed request). */
  chunkSize?: number;
  /** First poll interval (default 500 ms, then ×1.5 up to 5 s). */
  pollMs?: number;
};

export type SubmitOutcome = {
  /** 0 scored (or queued with wait off), 1 failed or still not done at the timeout. */
  exitCode: 0 | 1;
  bundle: UploadedBundle['bundle'];
  submission: ApiSubmission;
  /** The team's public standing after the score, when it could be found. */
  row: ApiLeaderboardRow | null;
};

const short = (id: string) => id.slice(0, 8);
const pct = (s: NonNullable<ApiSubmission['public']>) => `${s.accuracy.toFixed(4)} (${s.correct}/${s.total})`;

/** "queued, 3rd in line, starts in about 2 min" / "running, 4,200 / 10,000 images" (and the attempt after a retry). */
export function statusText(s: ApiSubmission): string {
  const line = standingText(s) ?? s.status;
  return s.attempt > 1 ? `${line} (attempt ${s.attempt})` : line;
}

/**
 * Uploads the zip or folder `bundlePath` by the plan path (only the files the server lacks, by resumable
 * tus uploads with a progress bar), triggers scoring with a fresh Idempotency-Key (a retried
 * trigger returns the same submission), then, unless `wait` is off, polls with a spinner until scored or
 * failed and prints the public score and the team's rank. Server errors are thrown as ClientError; a
 * failed submission is reported on `err` with the scorer's reason and returns exit code 1.
 *
 * @example
 * const { exitCode } = await submitBundle(client, { slug: 'sketch-demo', bundlePath: 'b.zip', timeoutMs: 600_000 });
 */
export async function submitBundle(
  client: SketchboardClient,
  options: SubmitOptions,
  io: SubmitIo = processIo(),
): Promise<SubmitOutcome> {
  const { slug } = options;
  // Token, team and competition are checked before a possibly large upload starts (401/403/404 fast).
  await client.submissions(slug, { limit: 1 });
  let bar: Progress | undefined;
  const uploaded = await uploadPlannedBundle(client, slug, options.bundlePath, {
    chunkSize: options.chunkSize,
    stateFile: options.uploadState,
    onPlan(plan) {
      const have = plan.totalBytes - plan.missingBytes;
      io.out(
        `plan ${short(plan.id)}: the server lacks ${plan.missing.length} file(s), ${formatBytes(plan.missingBytes)} ` +
          `of ${formatBytes(plan.totalBytes)} (${formatBytes(have)} already there)`,
      );
    },
    onProgress(sent, total) {
      if (total === 0) return;
      bar ??= io.progress('upload', total);
      bar.update(sent, total);
    },
  });
  bar?.done(`${formatBytes(uploaded.sentBytes)} sent; the server checks the bundle`);
  const { bundle } = uploaded;
  io.out(
    `bundle ${bundle.id} ${uploaded.created ? 'accepted' : 'already uploaded'}: ${bundle.name}, ` +
      `${formatBytes(bundle.sizeBytes)}, sha256 ${bundle.sha256.slice(0, 12)}…`,
  );

  const { submission: queued, created } = await client.trigger(slug, bundle.id, randomUUID());
  io.out(`submission ${queued.id} ${created ? 'created' : 'found'}: ${queued.status}`);
  if (options.wait === false) {
    io.out(`not waiting; see its status with: sketchboard finals ${slug}`);
    return { exitCode: 0, bundle, submission: queued, row: null };
  }

  const spin = io.spinner(`scoring ${short(queued.id)}`);
  spin.set(statusText(queued));
  let result: Awaited<ReturnType<typeof waitForScore>>;
  try {
    result = await waitForScore(client, queued.id, {
      timeoutMs: options.timeoutMs,
      intervalMs: options.pollMs,
      onStatus: (s) => {
        if (!isFinal(s)) spin.set(statusText(s));
      },
    });
  } catch (err) {
    spin.stop('stopped waiting');
    throw err;
  }
  const { submission } = result;
  if (!result.done) {
    spin.stop(`still ${submission.status} after ${Math.round(options.timeoutMs / 1000)}s`);
    io.err(
      `submission ${submission.id} is not scored yet (${submission.status}); it keeps going on the server: ` +
        `check it later with \`sketchboard finals ${slug}\``,
    );
    return { exitCode: 1, bundle, submission, row: null };
  }
  if (submission.status === 'failed') {
    spin.stop('failed');
    const error = submission.error;
    const reason = error
      ? `${error.message} (${error.code}${error.infrastructure ? ', server fault' : ''})`
      : 'no reason given';
    io.err(`submission ${submission.id} failed: ${reason}`);
    return { exitCode: 1, bundle, submission, row: null };
  }
  spin.stop(
    `scored${submission.imagesPerSecond ? `, ${submission.imagesPerSecond.toFixed(0)} images/s` : ''}`,
  );
  const row = await reportScore(client, slug, submission, io);
  return { exitCode: 0, bundle, submission, row };
}

/**
 * Prints a scored submission's public accuracy (and where its members came from), then the team's rank on
 * the fresh public board; returns the team's row, or null when it is not on the board's largest page.
 *
 * @example
 * const row = await reportScore(client, 'sketch-demo', submission, processIo());
 */
export async function reportScore(
  client: SketchboardClient,
  slug: string,
  submission: ApiSubmission,
  io: SubmitIo,
): Promise<ApiLeaderboardRow | null> {
  if (submission.public) io.out(`public accuracy ${pct(submission.public)}`);
  if (submission.inference) io.out(inferenceSummary(submission.inference));
  // The largest board page: the team's row is found unless it ranks below BOARD_PAGE.maxLimit (1,000).
  const [board, own] = await Promise.all([
    client.leaderboard(slug, 'public', { limit: BOARD_PAGE.maxLimit }, { fresh: true }),
    allSubmissions(client, slug),
  ]);
  const row = ownRow(board.rows, own);
  if (row) {
    const mine = submission.public ? Number(submission.public.accuracy.toFixed(4)) : 0;
    const best = mine < row.accuracy ? ' (your best is another submission)' : '';
    io.out(`rank ${row.rank} of ${board.total} on the public leaderboard as ${row.team}${best}`);
  } else io.out('rank: not found on the public leaderboard yet');
  return row;
}
