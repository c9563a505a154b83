// Capture what code writes to stdout and stderr while it runs (CLI commands in tests), restoring both after.
import { vi } from 'vitest';

export type Captured<T> = { result: T; out: string; err: string };

/**
 * Runs `run` with process.stdout and process.stderr writes captured (not printed); returns its result and the text.
 *
 * @example
 * const { result: code, out } = await captureOutput(() => command.run(['--vote', 'soft', '--out', zip]));
 */
export async function captureOutput<T>(run: () => Promise<T>): Promise<Captured<T>> {
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
    const result = await run();
    return { result, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
