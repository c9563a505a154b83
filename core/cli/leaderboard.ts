// `sketchboard leaderboard SLUG [--private] [--csv] [--shakeup]`: the standings as an aligned table or as CSV.

import { type Command, parse } from './args.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, oneArgument } from './connection.js';
import { shakeupLines } from './shakeup-table.js';
import { leaderboardLines } from './table.js';

const usage = `Usage: sketchboard leaderboard SLUG [--private] [--csv] [--shakeup] [--server URL] [--token T]

Prints the public standings of competition SLUG: rank, team, members, accuracy, counted entries,
last submission. --private shows the private standings (open after the end; the host token sees them
any time) with each team's public rank and its change.

  --private           the private leaderboard
  --csv               the server's CSV instead of a table
  --shakeup           after the end: public → private rank per team, each private score with its 95%
                      bootstrap interval, and whether each lead over the next team is significant
${CONNECTION_USAGE}`;

const options = {
  private: { type: 'boolean' },
  csv: { type: 'boolean' },
  shakeup: { type: 'boolean' },
  ...CONNECTION_OPTIONS,
} as const;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  const slug = oneArgument(positionals, 'SLUG (the competition)');
  const split = values.private === true ? 'private' : 'public';
  const client = connect(values, { needToken: false });
  if (values.shakeup === true) {
    process.stdout.write(`${shakeupLines(await client.shakeup(slug)).join('\n')}\n`);
    return 0;
  }
  if (values.csv === true) {
    process.stdout.write(await client.leaderboardCsv(slug, split));
    return 0;
  }
  const board = await client.leaderboard(slug, split);
  const publicBoard = split === 'private' ? await client.leaderboard(slug, 'public') : undefined;
  process.stdout.write(`${leaderboardLines(board, publicBoard).join('\n')}\n`);
  return 0;
}

/** The `leaderboard` command. */
export const command: Command = {
  name: 'leaderboard',
  summary: 'print the public or private leaderboard (table or CSV)',
  usage,
  run,
};
