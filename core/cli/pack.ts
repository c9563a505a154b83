// `sketchboard pack`: a model bundle zip from a manifest and its files, or from training run folders.
import { relative } from 'node:path';
import { formatBytes } from '../bundle/limits.js';
import { type EnsembleNode, isLeaf } from '../bundle/manifest.js';
import { packBundle } from '../bundle/pack.js';
import { packRuns } from '../train/pack-runs.js';
import type { Vote } from '../train/pack-tree.js';
import { type Command, parse, required, UsageError } from './args.js';
import { progress } from './progress.js';

const usage = `Usage:
  sketchboard pack --manifest manifest.json --out bundle.zip
      Zip the manifest (stored as manifest.json) with every model it names and every file those
      models reference (ONNX external data, TF.js weight shards), paths relative to the manifest.
  sketchboard pack RUN_DIR... --vote soft|hard [--outer soft|hard] [--name NAME] --out bundle.zip
      Export every fold of every run (folders written by \`sketchboard train\`) to ONNX and zip them
      with a manifest whose voting tree mirrors the runs:
        one run          --vote node over its folds
        several runs     --outer node (default: --vote) over one --vote node per run
                         (soft-soft, soft-hard, hard-hard ensembles)
      CNN runs: one ONNX model per fold. Head runs whose backbone.onnx files have the same sha256
      become ONE model, backbone-<sha12>/heads.onnx: the backbone once, then every fold's head as
      the named output <run>-fold<i> (leaves {"model": ..., "outputName": ...}), so the backbone is
      stored once and run once per batch. Different backbones: one such model each.
      Runs whose input specs differ get per-leaf "input" overrides. The bundle is opened and every
      model run on a dummy batch before it is written to --out.`;

function vote(value: string | undefined, flag: string): Vote | undefined {
  if (value === undefined) return undefined;
  if (value !== 'soft' && value !== 'hard')
    throw new UsageError(`--${flag} must be soft or hard, got "${value}"`);
  return value;
}

/** One line per node of the tree, indented: `soft vote of 5` / `cnn/fold0.onnx` / `b/heads.onnx → eva-fold0`. */
function treeLines(node: EnsembleNode, indent = '  '): string[] {
  if (isLeaf(node)) {
    const output = node.outputName === undefined ? '' : ` → ${node.outputName}`;
    return [`${indent}${node.model}${output}${node.input ? ` input ${JSON.stringify(node.input)}` : ''}`];
  }
  return [
    `${indent}${node.vote} vote of ${node.members.length}`,
    ...node.members.flatMap((m) => treeLines(m, `${indent}  `)),
  ];
}

function summary(out: string, files: string[], bytes: number, sha256: string): string[] {
  return [
    `packed ${files.length} files into ${relative(process.cwd(), out) || out}:`,
    ...files.map((f) => `  ${f}`),
    `size    ${formatBytes(bytes)} (${bytes} bytes)`,
    `sha256  ${sha256}`,
  ];
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    manifest: { type: 'string' },
    out: { type: 'string' },
    vote: { type: 'string' },
    outer: { type: 'string' },
    name: { type: 'string' },
  });
  const inner = vote(values.vote, 'vote');
  const outer = vote(values.outer, 'outer');
  if (values.manifest !== undefined) {
    if (positionals.length > 0 || inner || outer || values.name !== undefined) {
      throw new UsageError('give either --manifest or RUN_DIRs with --vote, not both');
    }
    const out = required(values.out, 'out');
    const result = await packBundle({ manifestPath: values.manifest, out });
    process.stdout.write(`${summary(result.out, result.files, result.bytes, result.sha256).join('\n')}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give RUN_DIR... with --vote, or --manifest');
  if (!inner) throw new UsageError('missing required option --vote (soft or hard)');
  if (outer && positionals.length === 1) throw new UsageError('--outer needs at least two RUN_DIRs');
  const out = required(values.out, 'out');
  const bar = progress('export folds', 0);
  const result = await packRuns({
    runs: positionals,
    vote: inner,
    outer,
    out,
    name: values.name,
    onProgress: (done, total) => bar.update(done, total),
  });
  bar.done();
  const lines = [
    `bundle ${result.manifest.name}: ${result.manifest.classes} classes, output ${result.manifest.output}`,
    ...treeLines(result.manifest.ensemble),
    ...summary(result.out, result.files, result.bytes, result.sha256),
    `checked ${result.models.length} models: each gives [2, ${result.manifest.classes}] on a dummy batch`,
    ...result.warnings.map((w) => `warning: ${w}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** The `pack` command. */
export const command: Command = {
  name: 'pack',
  summary: 'pack a model bundle zip from a manifest or from training run folders',
  usage,
  run,
};
