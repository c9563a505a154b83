// `sketchboard predict`: run a bundle (zip or folder) over a competition's test images and write output.csv.
import { stat } from 'node:fs/promises';
import { listLeaves } from '../bundle/manifest.js';
import { openBundle, openBundleDir } from '../bundle/open.js';
import { loadTestSet } from '../data/layout.js';
import { writeOutputCsv } from '../predict/output.js';
import { DEFAULT_BATCH_SIZE, predictBundle } from '../predict/predictor.js';
import { type Command, intOption, parse, required, UsageError } from './args.js';
import { progress } from './progress.js';

const usage = `Usage: sketchboard predict BUNDLE --data DIR --out output.csv [--batch-size ${DEFAULT_BATCH_SIZE}] [--threads N]

Runs a model bundle over the test images of a competition folder and writes output.csv
(ID,image_path,target in test.csv order), the way the scorer does.

  BUNDLE          a bundle zip, or an unpacked bundle folder with manifest.json at its root
  --data DIR      a folder in the competition layout (test.csv + test/)
  --out FILE      where to write output.csv
  --batch-size N  images per batch, 1..4096 (default ${DEFAULT_BATCH_SIZE})
  --threads N     ONNX runtime intra-op threads (default: one per CPU core)`;

const options = {
  data: { type: 'string' },
  out: { type: 'string' },
  'batch-size': { type: 'string' },
  threads: { type: 'string' },
} as const;

/** Open BUNDLE as a folder or a zip; a missing path is a usage error. */
async function openAny(path: string) {
  const info = await stat(path).catch(() => null);
  if (!info) throw new UsageError(`BUNDLE ${path} does not exist`);
  return info.isDirectory() ? openBundleDir(path) : openBundle(path);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? 'missing BUNDLE' : `unexpected argument "${positionals[1]}"`,
    );
  }
  const data = required(values.data, 'data');
  const out = required(values.out, 'out');
  const batchSize = intOption(values['batch-size'], 'batch-size', DEFAULT_BATCH_SIZE, 1, 4096);
  const threads = values.threads === undefined ? undefined : intOption(values.threads, 'threads', 1, 1, 1024);

  const bundle = await openAny(positionals[0]);
  try {
    const items = await loadTestSet(data);
    const bar = progress('predict', items.length);
    let shown = 0;
    const result = await predictBundle(
      bundle,
      items.map((item) => item.imagePath),
      {
        batchSize,
        load: threads === undefined ? {} : { threads },
        onProgress(done) {
          bar.tick(done - shown);
          shown = done;
        },
      },
    );
    bar.done(`${result.imagesPerSecond.toFixed(1)} images/s`);
    await writeOutputCsv(out, items, result.predictions);
    const runtimes = result.runtime.map((r) => `${r.runtime} ${r.version} (${r.backend})`).join(', ');
    process.stdout.write(
      `wrote ${items.length} predictions to ${out}: ${bundle.manifest.name}, ` +
        `${listLeaves(bundle.manifest).length} model(s) on ${runtimes}\n` +
        `${result.seconds.toFixed(1)} s, ${result.imagesPerSecond.toFixed(1)} images/s\n`,
    );
    return 0;
  } finally {
    await bundle.dispose();
  }
}

export const command: Command = {
  name: 'predict',
  summary: 'run a model bundle over test images and write output.csv',
  usage,
  run,
};
