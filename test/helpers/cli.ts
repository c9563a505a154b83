// Run the `sketchboard` CLI in-process with stdout and stderr captured (shared by the CLI tests).
import { vi } from 'vitest';
import { main } from '../../functions/cli/main.js';

export type CliRun = { code: number; out: string; err: string };

/** Runs `sketchboard ...argv` in this process; returns its exit code and what it wrote. */
export async function runCli(argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
