// `sketchboard gen`: write the synthetic hand-drawn sketch competition to a folder, with a progress bar.
import { generateSketchDataset, SKETCH_CLASSES, SKETCH_DEFAULTS } from '../data/generate.js';
import { type Command, intOption, numberOption, parse, required, UsageError } from './args.js';
import { progress } from './progress.js';

const d = SKETCH_DEFAULTS;

const usage = `Usage: sketchboard gen --out DIR [--classes ${d.classes}] [--train-per-class ${d.trainPerClass}]
                       [--test-per-class ${d.testPerClass}] [--seed ${d.seed}] [--size ${d.size}]
                       [--test-transform-share ${d.testTransformShare}]

Writes a synthetic hand-drawn sketch competition in the competition layout:
  train/<class>/*.png + train.csv   class_name,image_path,target
  test/<ID>.png + test.csv          ID,image_path (IDs in shuffled order)
  test_labels.csv                   ID,image_path,target (host only)
  test_meta.csv                     ID,transform: none|vflip|hflip|rot90|vflip+rot90|... (host only)
  classes.txt, generated.json

  --out DIR                 a new or empty folder, or a folder written by an earlier gen (replaced)
  --classes N               number of object classes, 2..${SKETCH_CLASSES.length} (default ${d.classes})
  --train-per-class N       training images per class (default ${d.trainPerClass})
  --test-per-class N        test images per class (default ${d.testPerClass})
  --seed N                  same seed → byte-identical images (default ${d.seed})
  --size PX                 image side in pixels, 16..2048 (default ${d.size})
  --test-transform-share F  share of test images flipped and/or rotated, 0..1 (default ${d.testTransformShare})`;

const options = {
  out: { type: 'string' },
  classes: { type: 'string' },
  'train-per-class': { type: 'string' },
  'test-per-class': { type: 'string' },
  seed: { type: 'string' },
  size: { type: 'string' },
  'test-transform-share': { type: 'string' },
} as const;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const out = required(values.out, 'out');
  const classes = intOption(values.classes, 'classes', d.classes, 2);
  if (classes > SKETCH_CLASSES.length) {
    throw new UsageError(
      `--classes ${classes} is more than the ${SKETCH_CLASSES.length} sketch classes available; use at most ${SKETCH_CLASSES.length}`,
    );
  }
  const trainPerClass = intOption(values['train-per-class'], 'train-per-class', d.trainPerClass, 1, 1e6);
  const testPerClass = intOption(values['test-per-class'], 'test-per-class', d.testPerClass, 1, 1e6);
  const seed = intOption(values.seed, 'seed', d.seed, 0, 2 ** 31 - 1);
  const size = intOption(values.size, 'size', d.size, 16, 2048);
  const share = numberOption(
    values['test-transform-share'],
    'test-transform-share',
    d.testTransformShare,
    0,
    1,
  );

  const started = Date.now();
  const total = classes * (trainPerClass + testPerClass);
  const bar = progress('gen', total);
  let shown = 0;
  const result = await generateSketchDataset({
    out,
    classes,
    trainPerClass,
    testPerClass,
    seed,
    size,
    testTransformShare: share,
    onProgress(done) {
      bar.tick(done - shown);
      shown = done;
    },
  });
  const seconds = (Date.now() - started) / 1000;
  bar.done(`${(total / Math.max(seconds, 1e-3)).toFixed(0)} images/s`);
  process.stdout.write(
    `generated ${result.trainCount} train + ${result.testCount} test images, ${result.classNames.length} classes, ` +
      `${size}px, seed ${seed} in ${out} (${seconds.toFixed(1)} s)\n`,
  );
  return 0;
}

export const command: Command = {
  name: 'gen',
  summary: 'generate the synthetic hand-drawn sketch competition dataset',
  usage,
  run,
};
