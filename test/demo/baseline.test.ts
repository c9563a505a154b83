// The local demo path: nearest-centroid baseline bundle (ONNX + TF.js members) and `sketchboard demo --local`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../core/backends/index.js';
import { listLeaves } from '../../core/bundle/manifest.js';
import { openBundle } from '../../core/bundle/open.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { loadTestLabels, loadTestSet } from '../../core/data/layout.js';
import { predictBundle } from '../../core/predict/predictor.js';
import { buildBaselineBundle } from '../../core/train/baseline.js';
import { main } from '../../functions/cli/main.js';

let dir: string;
let data: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-baseline-'));
  data = join(dir, 'data');
  await generateSketchDataset({
    out: data,
    classes: 5,
    trainPerClass: 12,
    testPerClass: 8,
    seed: 3,
    size: 64,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nearest-centroid baseline bundle', () => {
  it('packs one ONNX and one TF.js member with their own input specs, and beats chance clearly', async () => {
    const built = await buildBaselineBundle(data, join(dir, 'run'));
    const bundle = await openBundle(built.bundlePath);
    try {
      const leaves = listLeaves(bundle.manifest);
      expect(leaves.map((l) => l.model)).toEqual(['centroid32.onnx', 'centroid24/model.json']);
      expect(leaves.map((l) => l.input.size)).toEqual([
        [32, 32],
        [24, 24],
      ]);
      const items = await loadTestSet(data);
      const labels = new Map(
        (await loadTestLabels(join(data, 'test_labels.csv'))).map((l) => [l.id, l.target]),
      );
      const p = await predictBundle(
        bundle,
        items.map((i) => i.imagePath),
      );
      const correct = items.filter((item, i) => p.predictions[i] === labels.get(item.id)).length;
      // 5 classes: chance is 0.2. The centroid classifier on these sketches sits far above it.
      expect(correct / items.length).toBeGreaterThan(0.45);
    } finally {
      await bundle.dispose();
    }
  });

  it('the ONNX export and the TF.js save of one fitted model give the same scores', async () => {
    const built = await buildBaselineBundle(data, join(dir, 'run2'));
    expect(built.sha256).toMatch(/^[0-9a-f]{64}$/);
    const onnx = await loadModel(built.folder, 'centroid32.onnx');
    const tfjs = await loadModel(built.folder, 'centroid24/model.json');
    try {
      expect(onnx.inputDims.slice(1)).toEqual([32, 32, 1]);
      expect(tfjs.inputDims.slice(1)).toEqual([24, 24, 1]);
      const out = await onnx.run({ data: new Float32Array(2 * 32 * 32).fill(0.25), dims: [2, 32, 32, 1] });
      expect(out.dims).toEqual([2, 5]);
      expect([...out.data].every(Number.isFinite)).toBe(true);
    } finally {
      await onnx.dispose();
      await tfjs.dispose();
    }
  });

  it('same data gives a byte-identical bundle', async () => {
    const a = await buildBaselineBundle(data, join(dir, 'a'));
    const b = await buildBaselineBundle(data, join(dir, 'b'));
    expect(a.sha256).toBe(b.sha256);
  });
});

describe('sketchboard demo --local', () => {
  it('runs the local flow and writes output.csv with one row per test image', async () => {
    const out = join(dir, 'demo');
    const code = await main(['demo', '--local', '--out', out, '--classes', '3', '--seed', '2']);
    expect(code).toBe(0);
    const csv = await readFile(join(out, 'output.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('ID,image_path,target');
    expect(lines).toHaveLength(1 + 3 * 20);
  });

  it('refuses a bad flag with exit code 2', async () => {
    expect(await main(['demo', '--local', '--classes', 'many'])).toBe(2);
    expect(await main(['demo', '--local', '--nope'])).toBe(2);
    expect(await main(['demo', '--local', '--epochs', '3'])).toBe(2); // an option of the full demo only
  });
});
