// The fold trainer: epochs of shuffled, curriculum-augmented batches, validation, best/last checkpoints, OOF, resume.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createCurriculum } from '../augment/index.js';
import { Learner } from '../backends/train/learner.js';
import type { Tensor } from '../backends/types.js';
import { writeCsv } from '../data/csv.js';
import { writeFileAtomic } from '../data/io.js';
import { SketchboardError } from '../errors.js';
import { mixSeed, Rng } from '../rng.js';
import { loadCheckpoint, writeCheckpoint, writeFoldOof } from './checkpoint.js';
import { type EpochRow, evaluate, formatEpochLine, HISTORY_COLUMNS, readHistory } from './epoch.js';
import { gatherImages, gatherRows, modelInput } from './images.js';
import { buildNetwork } from './networks.js';
import type { PreparedRun } from './prepare.js';
import { type FoldDone, foldDir } from './run.js';
import { createRunScheduler } from './scheduler-config.js';

export type FoldOptions = {
  /** Continue from the fold's last checkpoint (when there is one). */
  resume?: boolean;
  /** One line per epoch (and a final line). */
  onLine?: (line: string) => void;
};

/** The training inputs of a batch: images (augmented when the epoch's stage says so) or backbone features. */
async function batchInput(
  p: PreparedRun,
  idx: number[],
  augment: ((x: Tensor) => Tensor) | null,
): Promise<Tensor> {
  const spec = p.run.model.input;
  if (p.run.model.kind === 'cnn') {
    const pixels = gatherImages(p.images as NonNullable<PreparedRun['images']>, idx);
    return modelInput(augment ? augment(pixels) : pixels, spec);
  }
  const { features, dim } = p.features as NonNullable<PreparedRun['features']>;
  if (!augment) return gatherRows(features, dim, idx);
  if (!p.images || !p.backbone) throw new SketchboardError('internal', 'augmented head run without images');
  const rows = await p.backbone.extract(augment(gatherImages(p.images, idx)));
  return { data: rows, dims: [idx.length, dim] };
}

/**
 * Trains fold `fold` of a prepared run: per epoch a seeded shuffle of the other folds' items in batches,
 * augmented by the curriculum stage of the epoch, LR = scheduler(epoch) × curriculum.lrFactorAt(epoch);
 * then validation on the fold's items. Saves the best epoch by validation accuracy (weights + OOF
 * probabilities) and the last epoch (weights + optimiser + scheduler state) atomically each epoch, so
 * `resume` continues exactly where a stopped run left off: every random draw derives from (seed, fold, epoch).
 *
 * @example
 * const done = await trainFold(prepared, 0, { onLine: (l) => process.stdout.write(`${l}\n`) });
 */
export async function trainFold(p: PreparedRun, fold: number, opts: FoldOptions = {}): Promise<FoldDone> {
  const { run } = p;
  const config = run.config;
  const dir = foldDir(p.runDir, fold);
  if (!Number.isInteger(fold) || fold < 0 || fold >= run.folds) {
    throw new SketchboardError('invalid_argument', `fold ${fold} is not in 0..${run.folds - 1}`);
  }
  await mkdir(dir, { recursive: true });
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  p.folds.forEach((f, i) => {
    (f === fold ? valIdx : trainIdx).push(i);
  });
  const targets = p.items.map((i) => i.target);
  const seed = mixSeed(config.seed, fold);
  const curriculum = createCurriculum(config.curriculum);
  const scheduler = createRunScheduler(config);
  const net = await buildNetwork(run.model, seed);
  // The base LR comes from the scheduler; options left out keep the optimiser's defaults.
  const { kind, lr: _baseLr, ...rest } = config.optimizer;
  const optimizerOptions = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const learner = await Learner.create(net, {
    optimizer: { kind, ...optimizerOptions },
    labelSmoothing: config.labelSmoothing,
  });
  let start = 0;
  let best = { epoch: -1, valAcc: -1, valLoss: Number.POSITIVE_INFINITY };
  let history: EpochRow[] = [];
  let seconds = 0;
  const last = await loadCheckpoint(dir, 'last').catch((err: unknown) => {
    if (err instanceof SketchboardError && err.code === 'not_found') return null;
    throw err;
  });
  try {
    if (last && !opts.resume) {
      throw new SketchboardError(
        'invalid_argument',
        `${dir} already holds a checkpoint: use --resume, or a new --out folder`,
      );
    }
    if (last?.info.resume && last.optimizer) {
      net.setWeights(last.weights);
      learner.loadOptimizerState(last.optimizer);
      // Same length: adopt the saved schedule. Extended (--epochs raised): the new config's schedule.
      if (last.info.config.epochs === config.epochs) scheduler.load(last.info.resume.scheduler);
      start = last.info.epoch + 1;
      const r = last.info.resume;
      best = { epoch: r.bestEpoch, valAcc: r.bestValAcc, valLoss: r.bestValLoss };
      seconds = r.seconds;
      history = (await readHistory(dir)).filter((h) => h.epoch < start);
    }
    const valInputs: { idx: number[]; x: Tensor }[] = [];
    for (let s = 0; s < valIdx.length; s += 256) {
      const idx = valIdx.slice(s, s + 256);
      valInputs.push({ idx, x: await batchInput(p, idx, null) });
    }
    const sessionStart = performance.now();
    let trainSeconds = 0;
    let trainSamples = 0;
    for (let epoch = start; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      const aug = curriculum.transformsAt(epoch, seed);
      const lr = scheduler.lr(epoch) * curriculum.lrFactorAt(epoch);
      const order = new Rng(mixSeed(seed, epoch)).shuffle([...trainIdx]);
      let loss = 0;
      let correct = 0;
      let count = 0;
      for (let b = 0, key = 0; b < order.length; b += config.batchSize, key++) {
        const idx = order.slice(b, b + config.batchSize);
        // BatchNorm cannot learn from a batch of one: a lone leftover sample waits for the next epoch.
        if (idx.length < 2 && run.model.kind === 'cnn') continue;
        const augment = aug.identity ? null : (x: Tensor) => aug.apply(x, key);
        const x = await batchInput(p, idx, augment);
        const step = learner.trainStep(
          x,
          idx.map((i) => targets[i]),
          lr,
        );
        loss += step.loss * step.count;
        correct += step.correct;
        count += step.count;
      }
      const trainTime = (performance.now() - t0) / 1000;
      trainSeconds += trainTime;
      trainSamples += count;
      const val = evaluate(learner, valInputs, targets, run.model.classes);
      seconds += (performance.now() - t0) / 1000;
      const row: EpochRow = {
        epoch,
        stage: aug.stage.name,
        lr,
        trainLoss: loss / Math.max(count, 1),
        trainAcc: correct / Math.max(count, 1),
        valLoss: val.loss,
        valAcc: val.acc,
        seconds,
      };
      history.push(row);
      const improved = val.acc > best.valAcc || (val.acc === best.valAcc && val.loss < best.valLoss);
      const metric = { name: 'val_acc' as const, value: val.acc, valLoss: val.loss };
      if (improved) {
        best = { epoch, valAcc: val.acc, valLoss: val.loss };
        await writeCheckpoint(dir, { kind: 'best', fold, epoch, metric, config }, net.getWeights());
        const indices = val.indices;
        await writeFoldOof(dir, { fold, epoch, classes: run.model.classes, indices }, val.probabilities);
      }
      const resume = {
        bestEpoch: best.epoch,
        bestValAcc: best.valAcc,
        bestValLoss: best.valLoss,
        scheduler: scheduler.state(),
        seconds,
      };
      await writeCheckpoint(
        dir,
        { kind: 'last', fold, epoch, metric, config, resume },
        net.getWeights(),
        learner.optimizerState(),
      );
      await writeCsv(path.join(dir, 'history.csv'), HISTORY_COLUMNS, history.map(toCsvRow));
      opts.onLine?.(
        formatEpochLine(row, {
          fold,
          folds: run.folds,
          epochs: config.epochs,
          perEpoch: (performance.now() - sessionStart) / 1000 / (epoch - start + 1),
        }),
      );
    }
    const done: FoldDone = {
      fold,
      epochs: config.epochs,
      bestEpoch: best.epoch,
      bestValAcc: best.valAcc,
      seconds,
      backend: learner.backend,
      samplesPerSecond: trainSeconds > 0 ? trainSamples / trainSeconds : 0,
    };
    await writeFileAtomic(path.join(dir, 'done.json'), `${JSON.stringify(done, null, 1)}\n`);
    return done;
  } finally {
    learner.dispose();
  }
}

function toCsvRow(r: EpochRow) {
  return {
    epoch: r.epoch,
    stage: r.stage,
    lr: r.lr,
    train_loss: r.trainLoss.toFixed(6),
    train_acc: r.trainAcc.toFixed(6),
    val_loss: r.valLoss.toFixed(6),
    val_acc: r.valAcc.toFixed(6),
    seconds: r.seconds.toFixed(3),
  };
}
