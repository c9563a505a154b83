// `sketchboard register SLUG --team NAME --member NAME...`: register a team and print its token once.

import { type Command, parse, required, UsageError } from './args.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, DEFAULT_SERVER, oneArgument } from './connection.js';

const usage = `Usage: sketchboard register SLUG --team NAME --member NAME [--member NAME ...] [--server URL]

Registers a team in competition SLUG and prints its bearer token. The token is shown only once (the
server keeps its hash): store it, e.g. \`export SKETCHBOARD_TOKEN=...\`.

  --team NAME         team name, 1-64 characters
  --member NAME       a member (repeat for each, at least one)
${CONNECTION_USAGE.split('\n')[0]}`;

const options = {
  team: { type: 'string' },
  member: { type: 'string', multiple: true },
  server: CONNECTION_OPTIONS.server,
} as const;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  const slug = oneArgument(positionals, 'SLUG (the competition)');
  const team = required(values.team, 'team');
  const members = (values.member ?? []).map((m) => m.trim()).filter((m) => m !== '');
  if (members.length === 0) throw new UsageError('give at least one --member NAME');
  const client = connect({ server: values.server }, { needToken: false });
  const { team: created, token } = await client.register(slug, team, members);
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`registered team "${created.name}" (${created.members.join(', ')}) in ${slug}`);
  say(`token: ${token}`);
  say('');
  say('This token is shown only once. Keep it secret, and export it for the other commands:');
  say(`  export SKETCHBOARD_TOKEN=${token}`);
  if (client.server !== DEFAULT_SERVER) say(`  export SKETCHBOARD_SERVER=${client.server}`);
  say(`  sketchboard submit bundle.zip --competition ${slug}`);
  return 0;
}

/** The `register` command. */
export const command: Command = {
  name: 'register',
  summary: 'register a team in a competition and print its token',
  usage,
  run,
};
