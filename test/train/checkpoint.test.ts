// Checkpoint and OOF files: round trips, atomic commit (old pair survives a torn write), tamper and version refusals.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSketchboardError } from '../../core/errors.js';
import { loadCheckpoint, writeCheckpoint, writeFoldOof } from '../../core/train/checkpoint.js';
import { resolveTrainConfig } from '../../core/train/config-file.js';
import { writeFolds } from '../../core/train/folds.js';
import { foldDir, listFolds, readCheckpoint, readOof, writeRunInfo } from '../../core/train/run.js';
import { useTempDir } from '../helpers/temp.js';

const config = resolveTrainConfig({ folds: 2, epochs: 3 });
const metric = (value: number) => ({ name: 'val_acc' as const, value, valLoss: 1 - value });
const weights = (v: number) => [
  { name: 'fc.kernel', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6], (x) => x * v) },
  { name: 'fc.bias', shape: [3], data: Float32Array.from([v, -v, 0.5]) },
];

const tmp = useTempDir('sb-ckpt-');

describe('fold checkpoints', () => {
  it('round-trip weights, optimiser slots and resume info', async () => {
    const optimizer = {
      kind: 'adamw',
      step: 12,
      slots: {
        'fc.kernel': [new Float32Array(6).fill(0.1), new Float32Array(6).fill(0.2)],
        'fc.bias': [new Float32Array(3).fill(3), new Float32Array(3)],
      },
    };
    const resume = { bestEpoch: 1, bestValAcc: 0.5, bestValLoss: 0.9, scheduler: { x: 1 }, seconds: 4 };
    await writeCheckpoint(
      tmp.dir,
      { kind: 'last', fold: 1, epoch: 2, metric: metric(0.4), config, resume },
      weights(2),
      optimizer,
    );
    const back = await loadCheckpoint(tmp.dir, 'last');
    expect(back.info).toMatchObject({ formatVersion: 1, kind: 'last', fold: 1, epoch: 2, resume, config });
    expect(back.weights).toEqual(weights(2));
    expect(back.optimizer).toEqual(optimizer);
  });

  it('commit atomically: a new pair replaces the old, a torn write leaves the old one readable', async () => {
    await writeCheckpoint(
      tmp.dir,
      { kind: 'best', fold: 0, epoch: 1, metric: metric(0.5), config },
      weights(1),
    );
    await writeCheckpoint(
      tmp.dir,
      { kind: 'best', fold: 0, epoch: 4, metric: metric(0.7), config },
      weights(4),
    );
    expect((await readdir(tmp.dir)).sort()).toEqual(['best-e0004.bin', 'best.json']);
    // A crash after the data file but before the JSON rename: readers still see epoch 4.
    await writeFile(path.join(tmp.dir, 'best-e0009.bin'), new Uint8Array(12));
    const ckpt = await loadCheckpoint(tmp.dir, 'best');
    expect(ckpt.info.epoch).toBe(4);
    expect(ckpt.weights).toEqual(weights(4));
    expect(ckpt.optimizer).toBeUndefined();
  });

  it('refuse a data file that does not match, another format version, and report a missing one', async () => {
    await writeCheckpoint(
      tmp.dir,
      { kind: 'best', fold: 0, epoch: 0, metric: metric(0.5), config },
      weights(1),
    );
    const bin = path.join(tmp.dir, 'best-e0000.bin');
    const bytes = await readFile(bin);
    bytes[0] ^= 1;
    await writeFile(bin, bytes);
    await expect(loadCheckpoint(tmp.dir, 'best')).rejects.toThrow(/does not match its sha256/);
    const json = JSON.parse(await readFile(path.join(tmp.dir, 'best.json'), 'utf8'));
    await writeFile(path.join(tmp.dir, 'best.json'), JSON.stringify({ ...json, formatVersion: 2 }));
    await expect(loadCheckpoint(tmp.dir, 'best')).rejects.toThrow(/format version 2, expected 1/);
    const missing = await loadCheckpoint(tmp.dir, 'last').catch((err: unknown) => err);
    expect(isSketchboardError(missing, 'not_found')).toBe(true);
  });
});

describe('run readers', () => {
  it('align OOF rows of every fold to the train items and list folds with a best checkpoint', async () => {
    const items = ['a/0.png', 'a/1.png', 'b/0.png', 'b/1.png', 'a/2.png'].map((relPath, i) => ({
      relPath,
      target: [0, 0, 1, 1, 0][i],
    }));
    const folds = [0, 1, 0, 1, 1];
    const model = {
      kind: 'cnn' as const,
      output: 'logits' as const,
      classes: 2,
      cnn: { arch: 'resnet' as const, width: 4, depth: 1 },
    };
    const input = {
      size: [8, 8] as [number, number],
      channels: 1 as const,
      layout: 'NHWC' as const,
      resize: 'stretch' as const,
      mean: [0.5],
      std: [0.5],
    };
    await writeRunInfo(tmp.dir, {
      formatVersion: 1,
      createdAt: new Date(0).toISOString(),
      config,
      dataDir: '/data',
      classNames: ['a', 'b'],
      items: 5,
      folds: 2,
      seed: 1,
      model: { ...model, input },
    });
    await writeFolds(tmp.dir, items, folds);
    await mkdir(foldDir(tmp.dir, 1), { recursive: true });
    // Fold 1's validation items are rows 1, 3, 4; its OOF lists them in its own order.
    await writeFoldOof(
      foldDir(tmp.dir, 1),
      { fold: 1, epoch: 2, classes: 2, indices: [4, 1, 3] },
      Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.3, 0.7]),
    );
    await writeCheckpoint(
      foldDir(tmp.dir, 1),
      { kind: 'best', fold: 1, epoch: 2, metric: metric(0.66), config },
      weights(1),
    );
    const oof = await readOof(tmp.dir);
    expect(oof.folds).toEqual([1]);
    expect(oof.covered).toEqual([false, true, false, true, true]);
    expect(Array.from(oof.probabilities)).toEqual(
      [0, 0, 0.8, 0.2, 0, 0, 0.3, 0.7, 0.9, 0.1].map((x) => Math.fround(x)),
    );
    expect(oof.items[4]).toEqual({ imagePath: 'a/2.png', target: 0, fold: 1 });
    const listed = await listFolds(tmp.dir);
    expect(listed.map((f) => [f.fold, f.bestEpoch, f.bestValAcc, f.done])).toEqual([[1, 2, 0.66, null]]);
    expect((await readCheckpoint(tmp.dir, 1)).weights).toEqual(weights(1));
    // An OOF row pointing at another fold's item is refused.
    await writeFoldOof(
      foldDir(tmp.dir, 1),
      { fold: 1, epoch: 3, classes: 2, indices: [0] },
      Float32Array.from([0.5, 0.5]),
    );
    await expect(readOof(tmp.dir)).rejects.toThrow(/index 0 is not in fold 1/);
  });
});
