// The participant and local verbs (no server): a verb table, and the dispatcher every `sketchboard` entry uses.
import { errorMessage, isSketchboardError } from '../errors.js';
import { type Command, UsageError } from './args.js';

/** Verb → lazy loader of its module, so a verb only loads the runtimes it needs. */
export type CommandTable = Record<string, () => Promise<Command>>;

/** The verbs of core/: everything a participant runs locally or against a server over HTTP, and the host's. */
export const CORE_COMMANDS: CommandTable = {
  gen: async () => (await import('./gen.js')).command,
  pack: async () => (await import('./pack.js')).command,
  predict: async () => (await import('./predict.js')).command,
  evaluate: async () => (await import('./evaluate.js')).command,
  train: async () => (await import('./train.js')).command,
  report: async () => (await import('./report.js')).command,
  register: async () => (await import('./register.js')).command,
  download: async () => (await import('./download.js')).command,
  submit: async () => (await import('./submit.js')).command,
  leaderboard: async () => (await import('./leaderboard.js')).command,
  finals: async () => (await import('./finals.js')).command,
  host: async () => (await import('./host.js')).command,
};

async function printHelp(commands: CommandTable): Promise<void> {
  const lines = ['Usage: sketchboard <command> [options]', '', 'Commands:'];
  for (const load of Object.values(commands)) {
    const cmd = await load();
    lines.push(`  ${cmd.name.padEnd(10)} ${cmd.summary}`);
  }
  lines.push('', 'Run `sketchboard help <command>` for its options.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Run one verb of `commands` with the given argv (without node and script). Returns the exit code:
 * usage errors exit 2 with the verb's usage, expected errors 1 with one line, never a stack trace
 * (unless SKETCHBOARD_DEBUG is set).
 *
 * @example
 * process.exitCode = await runCli(CORE_COMMANDS, ['gen', '--out', 'data']);
 */
export async function runCli(commands: CommandTable, argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    const target = verb === 'help' ? rest[0] : undefined;
    if (target && commands[target]) {
      process.stdout.write(`${(await commands[target]()).usage}\n`);
      return 0;
    }
    await printHelp(commands);
    return verb === undefined ? 2 : 0;
  }
  const load = commands[verb];
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

/** The core CLI (participant and local verbs only): what `core/cli/bin.mjs` and training children run. */
export function main(argv: string[]): Promise<number> {
  return runCli(CORE_COMMANDS, argv);
}
