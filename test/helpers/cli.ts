// Run the `sketchboard` CLI in-process with stdout and stderr captured (shared by the CLI tests).
import { main } from '../../functions/cli/main.js';
import { captureOutput } from './output.js';

export type CliRun = { code: number; out: string; err: string };

/** Runs `sketchboard ...argv` in this process; returns its exit code and what it wrote. */
export async function runCli(argv: string[]): Promise<CliRun> {
  const { result: code, out, err } = await captureOutput(() => main(argv));
  return { code, out, err };
}
