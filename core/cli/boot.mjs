// Starts a `sketchboard` entry point: registers the TypeScript loader, then runs the given main module's `main`.
import { register } from 'tsx/esm/api';

/**
 * Run `main(argv)` of the TypeScript module at `mainUrl` and set the exit code.
 *
 * @example
 * await boot(new URL('./main.ts', import.meta.url));
 */
export async function boot(mainUrl) {
  register();
  // `sketchboard help | head`: a closed pipe is not an error.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const { main } = await import(mainUrl.href);
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`sketchboard: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
