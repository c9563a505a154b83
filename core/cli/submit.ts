// `sketchboard submit BUNDLE|output.csv --competition SLUG`: upload a bundle (only what the server lacks) or send a prediction file, print score and rank.

import { type Command, intOption, parse, required } from './args.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, oneArgument } from './connection.js';
import { isPredictionFile, submitPredictionFile } from './submit-csv.js';
import { submitBundle } from './submit-flow.js';

/** Default of --timeout, in seconds: the scorer's own default time limit of a job. */
export const DEFAULT_SUBMIT_TIMEOUT_S = 1800;

const usage = `Usage: sketchboard submit BUNDLE --competition SLUG [--no-wait] [--timeout S] [--server URL] [--token T]
       sketchboard submit output.csv --competition SLUG [--server URL] [--token T]

BUNDLE is a bundle zip or folder. Its files are hashed locally; only those the server does not have yet
are uploaded (resumable tus uploads with a progress bar: an interrupted upload, re-run, continues where it
stopped; upload URLs are kept in ~/.sketchboard/uploads.json). Then it triggers scoring, waits while the
scorer runs it (queued → running → scored/failed), then prints the public score and the team's rank.
Exit code 0 when scored, 1 when the submission failed (the scorer's reason is printed) or is still
not done at the timeout, 2 for bad usage.

A path ending in .csv is a prediction file (ID,image_path,target, every test ID once), for competitions
that take them: the server checks it against test.csv and scores it at once (no runner); a refused file
prints the first lines at fault.

  --competition SLUG  the competition
  --no-wait           return once the submission is queued
  --upload-state FILE where upload URLs are kept to resume (default ~/.sketchboard/uploads.json; "none": keep none)
  --timeout S         stop waiting after S seconds (default ${DEFAULT_SUBMIT_TIMEOUT_S}); scoring goes on on the server
${CONNECTION_USAGE}`;

const options = {
  competition: { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  'upload-state': { type: 'string' },
  ...CONNECTION_OPTIONS,
} as const;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  const bundlePath = oneArgument(
    positionals,
    'BUNDLE (the bundle zip or folder, or an output.csv, to submit)',
  );
  const slug = required(values.competition, 'competition');
  if (isPredictionFile(bundlePath)) {
    const client = connect(values, { needToken: true });
    return (await submitPredictionFile(client, { slug, csvPath: bundlePath })).exitCode;
  }
  const timeoutS = intOption(values.timeout, 'timeout', DEFAULT_SUBMIT_TIMEOUT_S, 1, 7 * 86_400);
  const client = connect(values, { needToken: true });
  const outcome = await submitBundle(client, {
    slug,
    bundlePath,
    uploadState: values['upload-state'] === 'none' ? false : values['upload-state'],
    wait: values['no-wait'] !== true,
    timeoutMs: timeoutS * 1000,
  });
  return outcome.exitCode;
}

/** The `submit` command. */
export const command: Command = {
  name: 'submit',
  summary: 'upload a bundle (or send an output.csv), have it scored, print the public score and rank',
  usage,
  run,
};
