// `sketchboard host create|update|reopen|disqualify|labels`: the host's management verbs, rows of HOST_VERBS.
import { readFile } from 'node:fs/promises';
import type { ApiBestChange } from '../api/host.js';
import type { HostClient } from '../client/host.js';
import { SketchboardError } from '../errors.js';
import { intOption, numberOption, type OptionSpec, required, UsageError } from './args.js';
import { oneArgument } from './connection.js';

/** Parsed flags every sub-verb sees; `client` carries --server and the host token. */
export type HostRun = { client: HostClient; positionals: string[]; say(line: string): void };

/** One `sketchboard host` sub-verb: its usage line, its own flags (beside --server and --token) and what it does. */
export type HostVerb = {
  /** `close SLUG`: the synopsis after `sketchboard host`. */
  synopsis: string;
  summary: string;
  options?: OptionSpec;
  run(run: HostRun, values: Record<string, unknown>): Promise<number>;
};

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const int = (v: unknown, flag: string, min: number) =>
  text(v) === undefined ? undefined : intOption(text(v), flag, 0, min, 10_000);

/** The markdown of a `--*-file` flag, read whole (the server caps it at 20,000 characters). */
async function markdownFile(v: unknown): Promise<string | undefined> {
  const path = text(v);
  if (path === undefined) return undefined;
  return readFile(path, 'utf8').catch((err: unknown) => {
    throw new SketchboardError('invalid_argument', `cannot read ${path}`, { cause: err });
  });
}

const pct = (v: number | null) => (v === null ? '—' : v.toFixed(4));
const change = (c: ApiBestChange['public']) => `${pct(c.before)} → ${pct(c.after)}`;

const UPDATE_OPTIONS = {
  title: { type: 'string' },
  'description-file': { type: 'string' },
  'rules-file': { type: 'string' },
  'ends-at': { type: 'string' },
  'daily-limit': { type: 'string' },
  finals: { type: 'string' },
  'auto-finals': { type: 'string' },
} as const;

/** `on` / `off` (also true/false, yes/no) → a boolean; absent → undefined; anything else a usage error. */
function onOff(v: unknown, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  const s = String(v).toLowerCase();
  if (['on', 'true', 'yes'].includes(s)) return true;
  if (['off', 'false', 'no'].includes(s)) return false;
  throw new UsageError(`--${flag}: on or off, not "${String(v)}"`);
}

/** The management sub-verbs, by name. */
export const MANAGE_VERBS: Record<string, HostVerb> = {
  create: {
    synopsis:
      'create DIR|ZIP --slug S --title T --ends-at ISO [--starts-at ISO] [--daily-limit N] [--finals N] [--public-fraction F] [--split-seed N] [--description-file F] [--rules-file F]',
    summary: 'create a competition from a local dataset folder (zipped here) or its zip',
    options: {
      ...UPDATE_OPTIONS,
      slug: { type: 'string' },
      'starts-at': { type: 'string' },
      'public-fraction': { type: 'string' },
      'split-seed': { type: 'string' },
    },
    async run({ client, positionals, say }, v) {
      const path = oneArgument(positionals, 'DIR or ZIP (the dataset in the competition layout)');
      const fraction = text(v['public-fraction']);
      const c = await client.createFromLocal(path, {
        slug: required(text(v.slug), 'slug'),
        title: required(text(v.title), 'title'),
        endsAt: required(text(v['ends-at']), 'ends-at'),
        startsAt: text(v['starts-at']),
        dailyLimit: int(v['daily-limit'], 'daily-limit', 1),
        finals: int(v.finals, 'finals', 1),
        publicFraction:
          fraction === undefined ? undefined : numberOption(fraction, 'public-fraction', 0.5, 0, 1),
        splitSeed: int(v['split-seed'], 'split-seed', -(2 ** 31 - 1)),
        description: await markdownFile(v['description-file']),
        rules: await markdownFile(v['rules-file']),
      });
      say(
        `created ${c.slug}: ${c.classes} classes, ${c.testItems.public} public / ${c.testItems.private} private ` +
          `test images, ${c.phase} until ${c.endsAt}`,
      );
      return 0;
    },
  },
  update: {
    synopsis:
      'update SLUG [--title T] [--description-file F] [--rules-file F] [--ends-at ISO] [--daily-limit N] [--finals N] [--auto-finals on|off]',
    summary:
      'change the title, the markdown description or rules, the end, the daily limit or the finals rule',
    options: UPDATE_OPTIONS,
    async run({ client, positionals, say }, v) {
      const slug = oneArgument(positionals, 'SLUG (the competition)');
      const body = {
        title: text(v.title),
        description: await markdownFile(v['description-file']),
        rules: await markdownFile(v['rules-file']),
        endsAt: text(v['ends-at']),
        dailyLimit: int(v['daily-limit'], 'daily-limit', 1),
        finals: int(v.finals, 'finals', 1),
        autoFinals: onOff(v['auto-finals'], 'auto-finals'),
      };
      const changed = Object.entries(body)
        .filter(([, x]) => x !== undefined)
        .map(([k]) => k);
      if (changed.length === 0) throw new UsageError('nothing to update: pass at least one option');
      const c = await client.update(slug, body);
      say(
        `updated ${c.slug} (${changed.join(', ')}): ${c.phase} until ${c.endsAt}, ${c.dailyLimit} a day, ${c.finals} finals`,
      );
      return 0;
    },
  },
  reopen: {
    synopsis: 'reopen SLUG --ends-at ISO',
    summary: 'open an ended competition again until a new end',
    options: { 'ends-at': { type: 'string' } },
    async run({ client, positionals, say }, v) {
      const slug = oneArgument(positionals, 'SLUG (the competition)');
      const c = await client.reopen(slug, required(text(v['ends-at']), 'ends-at'));
      say(`reopened ${c.slug}: ${c.phase} until ${c.endsAt}`);
      return 0;
    },
  },
  disqualify: {
    synopsis: 'disqualify SLUG (--submission ID | --team NAME) --reason TEXT | --undo',
    summary: 'take a submission or a team off both boards (the team sees the reason); --undo puts it back',
    options: {
      submission: { type: 'string' },
      team: { type: 'string' },
      reason: { type: 'string' },
      undo: { type: 'boolean' },
    },
    async run({ client, positionals, say }, v) {
      const slug = oneArgument(positionals, 'SLUG (the competition)');
      const [submission, team] = [text(v.submission), text(v.team)];
      if ((submission === undefined) === (team === undefined))
        throw new UsageError('name exactly one of --submission ID or --team NAME');
      const reason = v.undo === true ? null : required(text(v.reason), 'reason');
      const done = reason === null ? 'requalified' : 'disqualified';
      if (submission !== undefined) {
        await client.disqualifySubmission(submission, reason);
        say(`${done} submission ${submission}${reason === null ? '' : `: ${reason}`}`);
        return 0;
      }
      const found = (await client.teams(slug)).find((t) => t.name === team);
      if (!found) throw new SketchboardError('invalid_argument', `no team named "${team}" in ${slug}`);
      await client.disqualifyTeam(slug, found.id, reason);
      say(`${done} team ${found.name} of ${slug}${reason === null ? '' : `: ${reason}`}`);
      return 0;
    },
  },
  labels: {
    synopsis: 'labels SLUG test_labels.csv',
    summary: 'replace the test labels (same IDs) and rescore every scored submission from its predictions',
    async run({ client, positionals, say }) {
      if (positionals.length !== 2) throw new UsageError('expected SLUG and the corrected test_labels.csv');
      const [slug, file] = positionals;
      const r = await client.replaceLabels(slug, file);
      say(
        `rescored ${r.rescored} submission(s) of ${slug} from their stored predictions (${r.changed} changed); ` +
          `board version ${r.boardVersion}`,
      );
      for (const t of r.teams)
        say(`  ${t.team}: best public ${change(t.public)}, private ${change(t.private)}`);
      return 0;
    },
  },
};
