// `sketchboard submit bundle.zip --competition SLUG`: upload, trigger, wait for the score, print score and rank.

import { type Command, intOption, parse, required } from './args.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, oneArgument } from './connection.js';
import { submitBundle } from './submit-flow.js';

/** Default of --timeout, in seconds: the scorer's own default time limit of a job. */
export const DEFAULT_SUBMIT_TIMEOUT_S = 1800;

const usage = `Usage: sketchboard submit BUNDLE.zip --competition SLUG [--no-wait] [--timeout S] [--server URL] [--token T]

Uploads the bundle (streamed from disk, with a progress bar), triggers scoring, waits while the
scorer runs it (queued → running → scored/failed), then prints the public score and the team's rank.
Exit code 0 when scored, 1 when the submission failed (the scorer's reason is printed) or is still
not done at the timeout, 2 for bad usage.

  --competition SLUG  the competition
  --no-wait           return once the submission is queued
  --timeout S         stop waiting after S seconds (default ${DEFAULT_SUBMIT_TIMEOUT_S}); scoring goes on on the server
${CONNECTION_USAGE}`;

const options = {
  competition: { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  ...CONNECTION_OPTIONS,
} as const;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  const zipPath = oneArgument(positionals, 'BUNDLE.zip (the bundle to submit)');
  const slug = required(values.competition, 'competition');
  const timeoutS = intOption(values.timeout, 'timeout', DEFAULT_SUBMIT_TIMEOUT_S, 1, 7 * 86_400);
  const client = connect(values, { needToken: true });
  const outcome = await submitBundle(client, {
    slug,
    zipPath,
    wait: values['no-wait'] !== true,
    timeoutMs: timeoutS * 1000,
  });
  return outcome.exitCode;
}

/** The `submit` command. */
export const command: Command = {
  name: 'submit',
  summary: 'upload a bundle, have it scored, print the public score and rank',
  usage,
  run,
};
