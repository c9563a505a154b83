// The `sketchboard` command: dispatches to one module per verb; usage errors exit 2 without a stack trace.
import { errorMessage, isSketchboardError } from '../errors.js';
import { type Command, UsageError } from './args.js';

/** Verb → lazy loader of its module, so a verb only loads the runtimes it needs. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  gen: async () => (await import('./gen.js')).command,
  pack: async () => (await import('./pack.js')).command,
  predict: async () => (await import('./predict.js')).command,
  evaluate: async () => (await import('./evaluate.js')).command,
  demo: async () => (await import('./demo.js')).command,
  serve: async () => (await import('./serve.js')).command,
  scorer: async () => (await import('./scorer.js')).command,
  score: async () => (await import('./score.js')).command,
  train: async () => (await import('./train.js')).command,
  report: async () => (await import('./report.js')).command,
  register: async () => (await import('./register.js')).command,
  submit: async () => (await import('./submit.js')).command,
  leaderboard: async () => (await import('./leaderboard.js')).command,
  finals: async () => (await import('./finals.js')).command,
};

async function printHelp(): Promise<void> {
  const lines = ['Usage: sketchboard <command> [options]', '', 'Commands:'];
  for (const load of Object.values(COMMANDS)) {
    const cmd = await load();
    lines.push(`  ${cmd.name.padEnd(10)} ${cmd.summary}`);
  }
  lines.push('', 'Run `sketchboard help <command>` for its options.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Run the CLI with the given argv (without node and script). Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    const target = verb === 'help' ? rest[0] : undefined;
    if (target && COMMANDS[target]) {
      process.stdout.write(`${(await COMMANDS[target]()).usage}\n`);
      return 0;
    }
    await printHelp();
    return verb === undefined ? 2 : 0;
  }
  const load = COMMANDS[verb];
  if (!load) {
    process.stderr.write(`sketchboard: unknown command "${verb}". Run \`sketchboard help\` for the list.\n`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sketchboard ${verb}: ${err.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    if (isSketchboardError(err)) {
      process.stderr.write(`sketchboard ${verb}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`sketchboard ${verb}: unexpected error: ${errorMessage(err)}\n`);
    if (process.env.SKETCHBOARD_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

// Run directly (`tsx core/cli/main.ts ...`); bin.mjs, the installed command, calls main() itself.
const isEntry = process.argv[1] !== undefined && /core[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`sketchboard: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    },
  );
}
