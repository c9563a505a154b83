// `sketchboard finals SLUG [--select ID...] [--unselect ID...]`: choose the submissions the private leaderboard counts.

import { allSubmissions } from '../client/paging.js';
import { type Command, parse, UsageError } from './args.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, oneArgument } from './connection.js';
import { submissionLines } from './table.js';

const usage = `Usage: sketchboard finals SLUG [--select ID ...] [--unselect ID ...] [--server URL] [--token T]

Without flags, lists the team's submissions in SLUG with status, scores and the final flag. With
flags, selects or unselects final submissions first (scored ones, before the end; at most the
competition's number of finals), then lists. The private leaderboard uses the best selected final;
with none selected, the best of your top public submissions (as many as the finals; unless the host
turned that off).

  --select ID         mark a submission as final (repeatable)
  --unselect ID       unmark it (repeatable; unselects run first)
${CONNECTION_USAGE}`;

const options = {
  select: { type: 'string', multiple: true },
  unselect: { type: 'string', multiple: true },
  ...CONNECTION_OPTIONS,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function ids(list: string[] | undefined, flag: string): string[] {
  for (const id of list ?? []) {
    if (!UUID.test(id)) throw new UsageError(`--${flag} takes a submission id (a UUID), got "${id}"`);
  }
  return list ?? [];
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  const slug = oneArgument(positionals, 'SLUG (the competition)');
  const select = ids(values.select, 'select');
  const unselect = ids(values.unselect, 'unselect');
  const both = select.find((id) => unselect.includes(id));
  if (both) throw new UsageError(`submission ${both} is given to both --select and --unselect`);
  const client = connect(values, { needToken: true });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  // Unselect first so a swap fits under the competition's limit of finals.
  for (const id of unselect) {
    await client.setFinal(id, false);
    say(`unselected ${id}`);
  }
  for (const id of select) {
    const s = await client.setFinal(id, true);
    say(`selected ${id} as final (public ${s.public ? s.public.accuracy.toFixed(4) : '-'})`);
  }
  const competition = await client.competition(slug);
  const submissions = await allSubmissions(client, slug);
  const chosen = submissions.filter((s) => s.selectedFinal).length;
  say(
    `${slug}: ${submissions.length} submission(s), ${chosen} of ${competition.finals} finals selected (${competition.phase})`,
  );
  say(submissionLines(submissions).join('\n'));
  return 0;
}

/** The `finals` command. */
export const command: Command = {
  name: 'finals',
  summary: "list the team's submissions and select or unselect its finals",
  usage,
  run,
};
