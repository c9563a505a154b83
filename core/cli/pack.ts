// `sketchboard pack`: build a model bundle zip from a manifest and the files it names.
import { relative } from 'node:path';
import { formatBytes } from '../bundle/limits.js';
import { packBundle } from '../bundle/pack.js';
import { type Command, parse, required, UsageError } from './args.js';

const usage = `Usage:
  sketchboard pack --manifest manifest.json --out bundle.zip
      Zip the manifest (stored as manifest.json) with every model it names and every file those
      models reference (ONNX external data, TF.js weight shards), paths relative to the manifest.
  sketchboard pack RUN_DIR... --vote soft|hard [--outer soft|hard] --out bundle.zip
      (not available yet) Build the manifest from training run folders.`;

/** The `pack` command. */
export const command: Command = {
  name: 'pack',
  summary: 'pack a model bundle zip from a manifest',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parse(argv, {
      manifest: { type: 'string' },
      out: { type: 'string' },
      vote: { type: 'string' },
      outer: { type: 'string' },
    });
    if (positionals.length > 0 || values.vote !== undefined || values.outer !== undefined) {
      throw new UsageError(
        'packing from RUN_DIRs (--vote/--outer) is not available yet; write a manifest.json and use --manifest',
      );
    }
    const manifestPath = required(values.manifest, 'manifest');
    const out = required(values.out, 'out');
    const result = await packBundle({ manifestPath, out });
    const lines = [
      `packed ${result.files.length} files into ${relative(process.cwd(), result.out) || result.out}:`,
      ...result.files.map((f) => `  ${f}`),
      `size    ${formatBytes(result.bytes)} (${result.bytes} bytes)`,
      `sha256  ${result.sha256}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
