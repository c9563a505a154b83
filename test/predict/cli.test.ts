// `sketchboard predict` and `evaluate`: usage errors exit 2 without a stack trace; a real run end to end.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestItem } from '../../core/data/layout.js';
import { runCli } from '../helpers/cli.js';
import { sketchSet, tinyNet, writeManifest, writeOnnx } from './fixtures.js';

let root: string;
let items: TestItem[];

/** Run the CLI, capturing stdout and stderr. */
const cli = (...argv: string[]) => runCli(argv);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sb-cli-'));
  items = await sketchSet(path.join(root, 'data'), 2, 3, 32);
  const bundle = path.join(root, 'bundle');
  await writeOnnx(await tinyNet({ h: 16, w: 16, c: 1, classes: 2, seed: 1 }), bundle, 'm.onnx');
  await writeManifest(bundle, {
    version: 1,
    name: 'cli-net',
    classes: 2,
    input: { size: [16, 16], channels: 1, layout: 'NHWC', mean: [1], std: [0.5] },
    output: 'logits',
    ensemble: { model: 'm.onnx' },
  });
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('usage errors exit 2 with the usage text', () => {
  it.each([
    [['predict'], /missing BUNDLE/],
    [['predict', 'b.zip', '--out', 'o.csv'], /missing required option --data/],
    [
      ['predict', 'b.zip', '--data', 'd', '--out', 'o.csv', '--batch-size', '0'],
      /--batch-size must be between 1/,
    ],
    [
      ['predict', 'b.zip', '--data', 'd', '--out', 'o.csv', '--batch-size', 'x'],
      /--batch-size must be an integer/,
    ],
    [['predict', 'b.zip', '--data', 'd', '--out', 'o.csv', '--fast'], /Unknown option '--fast'/],
    [
      ['predict', '/no/such/bundle.zip', '--data', 'd', '--out', 'o.csv'],
      /BUNDLE \/no\/such\/bundle\.zip does not exist/,
    ],
    [['evaluate', 'output.csv'], /missing required option --labels/],
    [['evaluate', '--labels', 'l.csv'], /missing output\.csv/],
    [['evaluate', 'a.csv', 'b.csv', '--labels', 'l.csv'], /unexpected argument "b\.csv"/],
  ])('%j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain(`Usage: sketchboard ${argv[0]}`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('a real run', () => {
  it('predicts a bundle folder into output.csv, then evaluates it', async () => {
    const out = path.join(root, 'output.csv');
    const data = path.join(root, 'data');
    const p = await cli(
      'predict',
      path.join(root, 'bundle'),
      '--data',
      data,
      '--out',
      out,
      '--batch-size',
      '4',
    );
    expect(p.err).toMatch(/predict \[#+\] 6\/6 100%.*images\/s/);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/wrote 6 predictions to .*output\.csv: cli-net, 1 model\(s\) on onnxruntime/);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('ID,image_path,target');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(
      items.map((i) => `${i.id},${i.relPath}`),
    );
    for (const l of lines.slice(1)) expect(['0', '1']).toContain(l.split(',')[2]);

    const e = await cli('evaluate', out, '--labels', path.join(data, 'test_labels.csv'));
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/^overall {2}\d\.\d{4} \(95% CI \d\.\d{4}–\d\.\d{4}, \d\/6\)\n$/);
  });

  it('reports a data problem as exit 1 with a message, not a trace', async () => {
    const r = await cli(
      'evaluate',
      path.join(root, 'nope.csv'),
      '--labels',
      path.join(root, 'data', 'test_labels.csv'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.csv: file not found/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
