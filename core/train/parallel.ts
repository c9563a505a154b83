// `--parallel N`: folds trained in separate `sketchboard train --fold i` processes, output prefixed by fold.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mapLimit } from '../data/io.js';

/** The CLI entry point the children run (it registers the TypeScript loader itself). */
const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'bin.mjs');

/** Copies a child's stream to ours line by line, each line prefixed. */
function pipeLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string): Promise<void> {
  const lines = createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => to.write(`${prefix}${line}\n`));
  return new Promise((resolve) => lines.once('close', () => resolve()));
}

/** Runs one fold's child process; resolves to its exit code (1 when it could not start or was killed). */
function runChild(args: string[], fold: number, env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [BIN, 'train', ...args, '--fold', String(fold)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[fold ${fold}] `;
  const piped = Promise.all([
    pipeLines(child.stdout, process.stdout, prefix),
    pipeLines(child.stderr, process.stderr, prefix),
  ]);
  return new Promise((resolve) => {
    child.once('error', (err) => {
      process.stderr.write(`${prefix}could not start: ${err.message}\n`);
      resolve(1);
    });
    child.once('close', (code, signal) => {
      piped.then(() => resolve(code ?? (signal ? 1 : 0)));
    });
  });
}

/**
 * Trains `folds` in child processes, at most `parallel` at once, each running `sketchboard train ARGS
 * --fold i` (ARGS without --parallel) with `env` added. Every child line goes to our stdout/stderr
 * prefixed with `[fold i] `. Returns the folds whose process failed (empty when all succeeded).
 *
 * @example
 * const failed = await trainFoldsInChildren(['--data', 'd', '--out', 'r'], [0, 1, 2, 3, 4], 2, {});
 */
export async function trainFoldsInChildren(
  args: string[],
  folds: readonly number[],
  parallel: number,
  env: Record<string, string>,
): Promise<number[]> {
  const codes = await mapLimit(folds, parallel, (fold) => runChild(args, fold, env));
  return folds.filter((_, i) => codes[i] !== 0);
}
