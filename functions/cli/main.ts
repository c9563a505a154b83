// The `sketchboard` command: core's participant and local verbs plus the server verbs of the composition root.
import { CORE_COMMANDS, type CommandTable, runCli } from '../../core/cli/main.js';

/** Verbs that run the service: they open the database, the queue, the blob store or the scorer. */
export const SERVER_COMMANDS: CommandTable = {
  demo: async () => (await import('./demo.js')).command,
  serve: async () => (await import('./serve.js')).command,
  scorer: async () => (await import('./scorer.js')).command,
  score: async () => (await import('./score.js')).command,
};

/** Every verb of `sketchboard`, in help order. */
export const COMMANDS: CommandTable = { ...CORE_COMMANDS, ...SERVER_COMMANDS };

/**
 * Run the `sketchboard` CLI with the given argv (without node and script). Returns the exit code.
 *
 * @example
 * process.exitCode = await main(['serve', '--no-demo']);
 */
export function main(argv: string[]): Promise<number> {
  return runCli(COMMANDS, argv);
}
