#!/usr/bin/env node
// Entry point of the `sketchboard` command: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
// `sketchboard help | head`: a closed pipe is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('./main.ts');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`sketchboard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
