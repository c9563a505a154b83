// `sketchboard train`: k-fold training into a run folder, from flags and/or a JSON config file; folds in parallel processes.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { INPUT_DEFAULTS } from '../bundle/manifest.js';
import { isSketchboardError } from '../errors.js';
import {
  CNN_INPUT_NORM,
  DEFAULT_INPUT_SIZE,
  mergeConfig,
  readConfigFile,
  resolveTrainConfig,
  type TrainConfig,
  trainConfigSchema,
} from '../train/config-file.js';
import { trainFoldsInChildren } from '../train/parallel.js';
import { prepareRun } from '../train/prepare.js';
import { trainFold } from '../train/trainer.js';
import { type Command, intOption, numberOption, parse, required, UsageError } from './args.js';

const d = trainConfigSchema.parse({ model: 'cnn' });

/** onnxruntime threads of one training process (set for each child by `--parallel`). */
export const TRAIN_THREADS_ENV = 'SKETCHBOARD_TRAIN_THREADS';

const usage = `Usage: sketchboard train --data DIR --out RUN_DIR [--folds ${d.folds}] [--fold I] [--parallel N]
                         [--epochs ${d.epochs}] [--config FILE.json] [--resume] [options]

Trains stratified k-fold models on DIR (the competition layout: train.csv + train/) into RUN_DIR: run.json,
folds.csv, fold-<i>/{best,last}.json checkpoints, oof.json, history.csv (see core/train/run.ts).

  --data DIR              competition folder with train.csv
  --out RUN_DIR           run folder (created; an existing run must have the same data and config)
  --config FILE           JSON run config (keys as in run.json's "config"); flags below override it
  --folds K               number of folds, >= 2 (default ${d.folds}); all are trained unless --fold
  --fold I                train only fold I (0-based, as fold-<I>): folds can run on several machines
  --parallel N            train N folds at once in separate processes (default 1)
  --resume                continue each fold from its last checkpoint
  --epochs N              epochs per fold (default ${d.epochs})
  --seed N                seed of folds, initial weights, shuffling and augmentation (default ${d.seed})
  --model cnn|head        CNN from scratch, or a head on a frozen ONNX backbone (default ${d.model})
  --backbone FILE.onnx    the frozen backbone (model head); its output is flattened to [N, d]
  --head linear|mlp3      head on the backbone's features (default ${d.head})
  --mean M[,M,M]          input mean per channel, pixels scaled to [0, 1] first: 1 value or 3 (R,G,B)
  --std S[,S,S]           input std per channel; defaults: head runs the bundle format's (mean ${INPUT_DEFAULTS.mean}, std ${INPUT_DEFAULTS.std}),
                          CNNs mean ${CNN_INPUT_NORM.mean}, std ${CNN_INPUT_NORM.std}
  --layout NCHW|NHWC      the backbone's input layout (model head; default: from its input dims, else ${INPUT_DEFAULTS.layout})
  --size PX               CNN input side (default: the training images' size when below ${DEFAULT_INPUT_SIZE}, else ${DEFAULT_INPUT_SIZE};
                          head runs: only where the backbone's dims are dynamic)
  --width W, --depth D    ResNet width and blocks per stage (default ${d.cnn.width}, ${d.cnn.depth})
  --optimizer sgd|adam|adamw  (default ${d.optimizer.kind}); --lr (default ${d.optimizer.lr}), --weight-decay, --momentum
  --scheduler step|cosine|cyclic  per-epoch LR schedule (default ${d.scheduler.kind})
  --label-smoothing E     (default ${d.labelSmoothing})
  --curriculum reference|none|flips  augmentation stages by epoch (default reference)
  --batch-size N          (default ${d.batchSize})`;

const options = {
  data: { type: 'string' },
  out: { type: 'string' },
  config: { type: 'string' },
  folds: { type: 'string' },
  fold: { type: 'string' },
  parallel: { type: 'string' },
  resume: { type: 'boolean' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  model: { type: 'string' },
  backbone: { type: 'string' },
  head: { type: 'string' },
  size: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  layout: { type: 'string' },
  width: { type: 'string' },
  depth: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  momentum: { type: 'string' },
  scheduler: { type: 'string' },
  'label-smoothing': { type: 'string' },
  curriculum: { type: 'string' },
  'batch-size': { type: 'string' },
} as const;

type Values = ReturnType<typeof parse<typeof options>>['values'];

const int = (v: string | undefined, flag: string) => (v === undefined ? undefined : intOption(v, flag, 0, 0));
const num = (v: string | undefined, flag: string) => (v === undefined ? undefined : numberOption(v, flag, 0));
/** `0.485,0.456,0.406` → numbers; the config schema checks the count (1 or 3) and ranges. */
const list = (v: string | undefined, flag: string) =>
  v === undefined ? undefined : v.split(',').map((x) => numberOption(x.trim(), flag, 0));

/** Flags as a raw config fragment (undefined where not given), checked by the config schema afterwards. */
function flagConfig(v: Values): Record<string, unknown> {
  return {
    folds: int(v.folds, 'folds'),
    epochs: int(v.epochs, 'epochs'),
    seed: int(v.seed, 'seed'),
    batchSize: int(v['batch-size'], 'batch-size'),
    model: v.model,
    backbone: v.backbone === undefined ? undefined : path.resolve(v.backbone),
    head: v.head,
    cnn: { width: int(v.width, 'width'), depth: int(v.depth, 'depth') },
    input: {
      size: int(v.size, 'size'),
      mean: list(v.mean, 'mean'),
      std: list(v.std, 'std'),
      layout: v.layout,
    },
    optimizer: {
      kind: v.optimizer,
      lr: num(v.lr, 'lr'),
      weightDecay: num(v['weight-decay'], 'weight-decay'),
      momentum: num(v.momentum, 'momentum'),
    },
    labelSmoothing: num(v['label-smoothing'], 'label-smoothing'),
    curriculum: v.curriculum,
  };
}

/** The run config: config file, then flags; a --scheduler of another kind replaces the file's options. */
async function resolveConfig(v: Values): Promise<TrainConfig> {
  let raw: Record<string, unknown> = {};
  let source = 'options';
  if (v.config !== undefined) {
    raw = await readConfigFile(v.config);
    source = `config file ${v.config}`;
    if (typeof raw.backbone === 'string') raw.backbone = path.resolve(path.dirname(v.config), raw.backbone);
  }
  const file = raw.scheduler as { kind?: unknown } | undefined;
  if (v.scheduler !== undefined && file?.kind !== v.scheduler) raw.scheduler = { kind: v.scheduler };
  return resolveTrainConfig(mergeConfig(raw, flagConfig(v)), source);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const dataDir = required(values.data, 'data');
  const runDir = path.resolve(required(values.out, 'out'));
  const parallel = intOption(values.parallel, 'parallel', 1, 1, 64);
  let config: TrainConfig;
  try {
    config = await resolveConfig(values);
  } catch (err) {
    if (!isSketchboardError(err, 'invalid_argument')) throw err;
    process.stderr.write(`sketchboard train: ${err.message}\n`);
    return 2;
  }
  const only = values.fold === undefined ? null : intOption(values.fold, 'fold', 0, 0, config.folds - 1);
  const folds = only === null ? Array.from({ length: config.folds }, (_, i) => i) : [only];
  const threads = Number(process.env[TRAIN_THREADS_ENV]) || undefined;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const inChildren = parallel > 1 && folds.length > 1;
  // In --parallel mode this process only writes the shared files (folds, run.json, features cache).
  const prepared = await prepareRun({
    dataDir,
    runDir,
    config,
    threads,
    onStatus: say,
    loadData: !inChildren,
  });
  if (inChildren) {
    await prepared.backbone?.dispose();
    const childArgs = argv.filter(
      (a, i) => a !== '--parallel' && argv[i - 1] !== '--parallel' && !a.startsWith('--parallel='),
    );
    const perChild = Math.max(1, Math.floor(availableParallelism() / parallel));
    const failed = await trainFoldsInChildren(childArgs, folds, parallel, {
      [TRAIN_THREADS_ENV]: String(perChild),
    });
    if (failed.length > 0) {
      process.stderr.write(`sketchboard train: fold(s) ${failed.join(', ')} failed\n`);
      return 1;
    }
    say(`trained folds ${folds.join(', ')} in ${parallel} processes into ${runDir}`);
    return 0;
  }
  try {
    for (const fold of folds) {
      const done = await trainFold(prepared, fold, { resume: values.resume === true, onLine: say });
      say(
        `fold ${fold + 1}/${config.folds} done: best epoch ${done.bestEpoch + 1} val acc ${done.bestValAcc.toFixed(4)}, ` +
          `${done.samplesPerSecond.toFixed(1)} samples/s on tfjs ${done.backend}`,
      );
    }
  } finally {
    await prepared.backbone?.dispose();
  }
  say(`run saved in ${runDir}`);
  return 0;
}

export const command: Command = {
  name: 'train',
  summary: 'train stratified k-fold models (CNN or head on a frozen backbone) into a run folder',
  usage,
  run,
};
