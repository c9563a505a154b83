// `sketchboard train`: config-file and flag errors (exit 2), flags over the file, --fold, --parallel = sequential.
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, readRun } from '../../core/train/run.js';
import { runCli } from '../helpers/cli.js';
import { maxDiff, useTinyRoot } from './trainer-fixtures.js';

const t = useTinyRoot('sb-train-cli-');

/** Runs `sketchboard train ...args` in-process, capturing what it writes. */
const cli = (args: string[]) => runCli(['train', ...args]);

const TINY = ['--folds', '2', '--size', '24', '--width', '4', '--batch-size', '4', '--seed', '3'];
const TINY2 = [...TINY, '--epochs', '2', '--curriculum', 'flips', '--scheduler', 'step', '--lr', '0.01'];

async function withConfig(name: string, body: unknown): Promise<string> {
  const file = path.join(t.root, name);
  await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('train CLI errors', () => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown key', { epoch: 3 }, /invalid config file .*unknown\.json: epoch: unknown key/],
    ['nested unknown key', { optimizer: { kind: 'sgd', lrr: 0.1 } }, /optimizer\.lrr: unknown key/],
    ['bad enum', { optimizer: { kind: 'rmsprop' } }, /optimizer\.kind: /],
    ['bad number', { epochs: 0 }, /epochs: .*>=1/],
    [
      'bad curriculum',
      { curriculum: [{ from: 1 }] },
      /curriculum\.0\.from: the first stage must start at epoch 0/,
    ],
    ['bad scheduler option', { scheduler: { kind: 'step', gamma: 2 } }, /scheduler\.gamma: /],
    ['not JSON', '{ "epochs": 3, }', /not valid JSON/],
  ];
  it.each(cases)('a config file with a %s exits 2 and names the key', async (label, body, message) => {
    const file = await withConfig(
      `${label === 'unknown key' ? 'unknown' : label.replace(/ /g, '-')}.json`,
      body,
    );
    const r = await cli(['--data', t.data, '--out', path.join(t.root, 'never'), '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('refuses bad flags with exit 2 and creates nothing', async () => {
    const out = path.join(t.root, 'never');
    for (const [args, message] of [
      [['--out', out], /missing required option --data/],
      [['--data', t.data, '--out', out, '--epochs', 'x'], /--epochs must be an integer/],
      [['--data', t.data, '--out', out, '--model', 'head'], /backbone: required when model is "head"/],
      [['--data', t.data, '--out', out, '--fold', '5'], /--fold must be between 0 and 4/],
      [['--data', t.data, '--out', out, '--optimizer', 'lion'], /optimizer\.kind/],
    ] as [string[], RegExp][]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    await expect(readdir(out)).rejects.toThrow();
  });
});

describe('train CLI runs', () => {
  it('merges flags over the config file and --fold trains only that fold', async () => {
    const file = await withConfig('run.json', {
      epochs: 5,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.8 },
      labelSmoothing: 0,
      scheduler: { kind: 'step', stepSize: 1, gamma: 0.8 },
      curriculum: [
        { from: 0, to: 1 },
        { from: 1, transforms: [{ kind: 'vflip' }], lrFactor: 0.5 },
      ],
    });
    const out = path.join(t.root, 'one-fold');
    const args = ['--config', file, ...TINY, '--epochs', '2', '--lr', '0.05', '--fold', '1'];
    const r = await cli(['--data', t.data, '--out', out, ...args]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // LR = step schedule (0.05, then × 0.8) × the curriculum's factor (× 0.5 from the second stage).
    expect(r.out).toMatch(/^fold 2\/2 epoch 1\/2 train loss .* \| lr 0\.050 \|/m);
    expect(r.out).toMatch(/^fold 2\/2 epoch 2\/2 train loss .* \| lr 0\.020 \|/m);
    const run = await readRun(out);
    expect(run.config).toMatchObject({
      epochs: 2,
      labelSmoothing: 0,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.8 },
      scheduler: { kind: 'step', stepSize: 1, gamma: 0.8 },
    });
    expect(run.config.curriculum[1]).toMatchObject({
      from: 1,
      lrFactor: 0.5,
      transforms: [{ kind: 'vflip', p: 0.5 }],
    });
    expect((await readdir(out)).filter((f) => f.startsWith('fold-'))).toEqual(['fold-1']);
  });

  it('--parallel 2 trains the folds in child processes with the same results as sequential training', async () => {
    const seq = path.join(t.root, 'sequential');
    const par = path.join(t.root, 'parallel');
    const a = await cli(['--data', t.data, '--out', seq, ...TINY2]);
    expect(a.code).toBe(0);
    const b = await cli(['--data', t.data, '--out', par, ...TINY2, '--parallel', '2']);
    expect(b.err).not.toMatch(/failed|error/i);
    expect(b.code).toBe(0);
    for (const fold of [0, 1]) {
      expect(b.out).toMatch(new RegExp(`^\\[fold ${fold}\\] fold ${fold + 1}/2 epoch 2/2 `, 'm'));
      const [x, y] = await Promise.all([
        readCheckpoint(seq, fold, 'last'),
        readCheckpoint(par, fold, 'last'),
      ]);
      expect(y.info.metric).toEqual(x.info.metric);
      x.weights.forEach((w, i) => {
        expect(maxDiff(w.data, y.weights[i].data)).toBeLessThan(1e-5);
      });
    }
  });
});
