// Where the participant CLI connects: --server / SKETCHBOARD_SERVER and --token / SKETCHBOARD_TOKEN, checked once.
import { SketchboardClient } from '../client/client.js';
import { UsageError } from './args.js';

/** The server when neither --server nor SKETCHBOARD_SERVER is given (PORT's default in DESIGN.md). */
export const DEFAULT_SERVER = 'http://localhost:8787';

/** The two connection flags every participant verb takes. */
export const CONNECTION_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
} as const;

/** Usage lines of the connection flags. */
export const CONNECTION_USAGE = `  --server URL        the Sketchboard server (default: $SKETCHBOARD_SERVER, else ${DEFAULT_SERVER})
  --token T           the team token printed by \`sketchboard register\` (default: $SKETCHBOARD_TOKEN)`;

type Env = Record<string, string | undefined>;

/** The server URL from the flag, the environment or the default; a UsageError unless http(s). */
export function serverUrl(flag: string | undefined, env: Env = process.env): string {
  const raw = (flag ?? env.SKETCHBOARD_SERVER ?? '').trim() || DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--server must be an http:// or https:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--server must be an http:// or https:// URL, got "${raw}"`);
  if (url.search || url.hash)
    throw new UsageError(`--server must be a base URL without ?query or #hash, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

/**
 * A client for the flags. With `needToken`, a missing token is a UsageError that says where to get one.
 *
 * @example
 * const client = connect(values, { needToken: true }); // --server/--token or the environment
 */
export function connect(
  values: { server?: string; token?: string },
  options: { needToken: boolean; env?: Env },
): SketchboardClient {
  const env = options.env ?? process.env;
  const server = serverUrl(values.server, env);
  const token = (values.token ?? env.SKETCHBOARD_TOKEN ?? '').trim() || undefined;
  if (options.needToken && token === undefined) {
    throw new UsageError(
      'no team token: pass --token TOKEN or set SKETCHBOARD_TOKEN (`sketchboard register` prints it)',
    );
  }
  return new SketchboardClient({ server, token });
}

/** The one positional argument of a verb (a slug, a file); a UsageError when missing or when there are more. */
export function oneArgument(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  return positionals[0];
}
