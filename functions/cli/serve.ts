// `sketchboard serve` (= `npm start`): API + embedded scorer + demo competition, until SIGINT/SIGTERM.
import { type Command, parse } from '../../core/cli/args.js';
import { envDefault, loadEnv } from '../config/env.js';

const usage = `Usage: sketchboard serve [--no-demo] [--host ADDRESS]

Starts the competition service: applies migrations, opens the database (embedded PGlite under
SKETCHBOARD_DATA_DIR, or PostgreSQL when DATABASE_URL is set), the blob store, the API on PORT
(default ${envDefault('PORT')}) and, unless SKETCHBOARD_EMBEDDED_SCORER=false, the scorer in the same process.
In embedded mode it creates the demo competition "sketch-demo" on first start.

  --no-demo       don't create the demo competition
  --host ADDRESS  interface to listen on (default: all)`;

const options = { 'no-demo': { type: 'boolean' }, host: { type: 'string' } } as const;

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, false);
  const { startService } = await import('./service.js');
  const env = loadEnv();
  const service = await startService(env, {
    demo: values['no-demo'] ? false : undefined,
    hostname: values.host,
  });
  const say = (s = '') => process.stdout.write(`${s}\n`);
  const token = service.hostToken;
  say(`Sketchboard is running at ${service.url}`);
  say(`  data:   ${env.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${env.dataDir}`}`);
  say(
    `  scorer: ${service.scorer ? `in-process, ${env.scorer.concurrency} job(s) at a time` : 'off (run `sketchboard scorer`)'}`,
  );
  if (token.generated) say(`  host token (shown once, stored in ${env.dataDir}/host-token): ${token.token}`);
  else say(`  host token: ${env.hostToken ? 'from SKETCHBOARD_HOST_TOKEN' : `in ${env.dataDir}/host-token`}`);
  if (service.demo) {
    const slug = service.demo.competition.slug;
    say();
    say(`Demo competition: ${service.url}/c/${slug}   API reference: ${service.url}/docs`);
    say('Try it as a team (a baseline bundle is ready):');
    say(`  export SKETCHBOARD_SERVER=${service.url}`);
    say(
      `  node functions/cli/bin.mjs register ${slug} --team my-team --member me    # prints your token once`,
    );
    say('  export SKETCHBOARD_TOKEN=<the token>');
    say(`  node functions/cli/bin.mjs submit ${service.demo.baselineBundle} --competition ${slug}`);
    say(`  node functions/cli/bin.mjs leaderboard ${slug}`);
  }
  say();
  say('Ctrl-C stops it (running scoring jobs finish or are handed back).');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  say(`${signal}: stopping`);
  await service.stop();
  return 0;
}

/** The `serve` verb. */
export const command: Command = {
  name: 'serve',
  summary: 'run the competition service (API, embedded scorer, demo competition)',
  usage,
  run,
};
