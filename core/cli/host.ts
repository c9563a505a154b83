// `sketchboard host SUBVERB ...`: the host's verbs over HTTP with the host token, one table of sub-verbs.
import { HostClient } from '../client/host.js';
import { type Command, parse, UsageError } from './args.js';
import { CONNECTION_OPTIONS, oneArgument, serverUrl } from './connection.js';
import { type HostVerb, MANAGE_VERBS } from './host-manage.js';

export type { HostVerb };

type Env = Record<string, string | undefined>;

/** The sub-verbs, by name. */
export const HOST_VERBS: Record<string, HostVerb> = {
  create: MANAGE_VERBS.create,
  update: MANAGE_VERBS.update,
  close: {
    synopsis: 'close SLUG',
    summary: 'end the competition now: submissions stop, the private leaderboard opens',
    async run({ client, positionals, say }) {
      const slug = oneArgument(positionals, 'SLUG (the competition)');
      const c = await client.close(slug);
      say(`closed ${c.slug}: ended ${c.endsAt}; the private leaderboard is open (${c.phase})`);
      return 0;
    },
  },
  reopen: MANAGE_VERBS.reopen,
  disqualify: MANAGE_VERBS.disqualify,
  labels: MANAGE_VERBS.labels,
  'rebuild-standings': {
    synopsis: 'rebuild-standings SLUG',
    summary: 'recompute the standings from the submissions table (repair, after bulk changes)',
    async run({ client, positionals, say }) {
      const slug = oneArgument(positionals, 'SLUG (the competition)');
      const r = await client.rebuildStandings(slug);
      say(
        `rebuilt standings of ${r.competition}: ${r.teams.public} teams on the public board, ` +
          `${r.teams.private} on the private; board version ${r.boardVersion}`,
      );
      return 0;
    },
  },
};

const known = () => Object.keys(HOST_VERBS).join(', ');

const usage = `Usage: sketchboard host <command> ARGS [--server URL] [--token T]

The host's commands, with the host token (printed by \`sketchboard serve\` in embedded mode):

${Object.values(HOST_VERBS)
  .map((v) => `  ${v.synopsis.padEnd(26)} ${v.summary}`)
  .join('\n')}

  --server URL        the Sketchboard server (default: $SKETCHBOARD_SERVER, else http://localhost:8787)
  --token T           the host token (default: $SKETCHBOARD_HOST_TOKEN, else $SKETCHBOARD_TOKEN)`;

/**
 * The host token: --token, else SKETCHBOARD_HOST_TOKEN (the variable the server itself reads), else
 * SKETCHBOARD_TOKEN; a UsageError when none is set.
 */
export function hostToken(flag: string | undefined, env: Env = process.env): string {
  const token = [flag, env.SKETCHBOARD_HOST_TOKEN, env.SKETCHBOARD_TOKEN]
    .map((t) => t?.trim())
    .find((t) => t !== undefined && t !== '');
  if (token === undefined) {
    throw new UsageError(
      'no host token: pass --token TOKEN or set SKETCHBOARD_HOST_TOKEN (`sketchboard serve` prints it)',
    );
  }
  return token;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError(`missing the host command: one of ${known()}`);
  const verb = Object.hasOwn(HOST_VERBS, name) ? HOST_VERBS[name] : undefined;
  if (!verb) throw new UsageError(`unknown host command "${name}"; known: ${known()}`);
  const { values, positionals } = parse(rest, { ...verb.options, ...CONNECTION_OPTIONS });
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const client = new HostClient({
    server: serverUrl(text(values.server)),
    token: hostToken(text(values.token)),
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  return verb.run({ client, positionals, say }, values);
}

/** The `host` command. */
export const command: Command = {
  name: 'host',
  summary: `the host's commands: ${known()} (host token)`,
  usage,
  run,
};
