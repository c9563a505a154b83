// pack RUN_DIR... with head runs on shared backbones: one graph per backbone sha256, one named output per fold, checked in onnxruntime.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineWeightBytes } from '../../core/backends/onnx-graph/external-data.js';
import { decodeOnnx } from '../../core/backends/onnx-proto.js';
import { listLeaves, parseManifest } from '../../core/bundle/manifest.js';
import { openBundle } from '../../core/bundle/open.js';
import { command } from '../../core/cli/pack.js';
import { exportHead } from '../../core/train/fold-export.js';
import { packRuns, stageRuns } from '../../core/train/pack-runs.js';
import { captureOutput } from '../helpers/output.js';
import { fakeRun } from './pack-runs-fixtures.js';
import { close, perFoldOutputs, runAll, sha, swapBackbone } from './pack-shared-helpers.js';

process.env.SKETCHBOARD_TFJS_BACKEND = 'cpu';
let work: string;
const run = (name: string) => path.join(work, name);
let bbSha: string; // the fixtures' backbone
let otherSha: string; // another backbone, given to run 'giant'
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'pack-shared-'));
  await fakeRun(run('eva-mlp3'), { kind: 'head', folds: 2, seed: 7, head: 'mlp3' });
  await fakeRun(run('eva-linear'), { kind: 'head', folds: 3, seed: 8, head: 'linear' });
  await fakeRun(run('giant'), { kind: 'head', folds: 2, seed: 9, head: 'mlp3' });
  await fakeRun(run('cnn'), { kind: 'cnn', folds: 2 });
  [bbSha, otherSha] = [
    sha(await readFile(path.join(run('eva-mlp3'), 'backbone.onnx'))),
    await swapBackbone(run('giant'), 6),
  ];
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('pack: head runs on one backbone', () => {
  it('one graph: the backbone once, each fold a named output equal to its per-fold graph', async () => {
    const out = path.join(work, 'shared.zip');
    const r = await packRuns({
      runs: [run('eva-mlp3'), run('eva-linear')],
      vote: 'soft',
      outer: 'hard',
      out,
    });
    const model = `backbone-${bbSha.slice(0, 12)}/heads.onnx`;
    expect(r.files).toEqual(['manifest.json', model]);
    // The tree is today's (soft inside each run, hard across runs); the leaves name outputs of one model.
    expect(r.manifest.ensemble).toEqual({
      vote: 'hard',
      members: [
        { vote: 'soft', members: [0, 1].map((f) => ({ model, outputName: `eva-mlp3-fold${f}` })) },
        { vote: 'soft', members: [0, 1, 2].map((f) => ({ model, outputName: `eva-linear-fold${f}` })) },
      ],
    });
    const bundle = await openBundle(out);
    try {
      const manifest = parseManifest(
        JSON.parse(await readFile(path.join(bundle.dir, 'manifest.json'), 'utf8')),
      );
      const leaves = listLeaves(manifest);
      const outputs = await runAll(path.join(bundle.dir, model));
      expect([...outputs.keys()]).toEqual(leaves.map((l) => l.outputName));

      // Backbone weights once: every backbone initializer appears exactly once, and the graph's weight bytes
      // are one backbone plus the five heads, where the per-fold graphs hold five backbones.
      const shared = decodeOnnx(await readFile(path.join(bundle.dir, model)), 'heads.onnx');
      const backbone = decodeOnnx(await readFile(path.join(run('eva-mlp3'), 'backbone.onnx')), 'backbone');
      const names = (shared.graph?.initializer ?? []).map((t) => t.name);
      for (const t of backbone.graph?.initializer ?? [])
        expect(names.filter((n) => n === t.name)).toHaveLength(1);
      const folds = [
        ...[0, 1].map((f) => ({ dir: run('eva-mlp3'), f })),
        ...[0, 1, 2].map((f) => ({ dir: run('eva-linear'), f })),
      ];
      let headBytes = 0;
      for (const { dir, f } of folds) headBytes += inlineWeightBytes(await exportHead(dir, f, 13, 'h'));
      const bbBytes = inlineWeightBytes(backbone);
      expect(bbBytes).toBeGreaterThan(0);
      expect(inlineWeightBytes(shared)).toBe(bbBytes + headBytes);
      const staged = await stageRuns({
        runs: [run('eva-mlp3'), run('eva-linear')],
        vote: 'soft',
        shareBackbones: false,
      });
      try {
        let perFold = 0;
        for (const leaf of listLeaves(staged.manifest)) {
          perFold += inlineWeightBytes(
            decodeOnnx(await readFile(path.join(staged.dir, leaf.model)), leaf.model),
          );
        }
        expect(perFold).toBe(5 * bbBytes + headBytes);
      } finally {
        await staged.dispose();
      }

      // Each named output equals the separately exported per-fold graph's output on the same input.
      const want = await perFoldOutputs([run('eva-mlp3'), run('eva-linear')]);
      for (const leaf of leaves) {
        const [, runName, fold] = /^(.*)-fold(\d)$/.exec(leaf.outputName!)!;
        close(outputs.get(leaf.outputName!), want.get(`${runName}/fold${fold}.onnx`));
      }
      expect(outputs.get('eva-mlp3-fold0')).not.toEqual(outputs.get('eva-mlp3-fold1'));
    } finally {
      await bundle.dispose();
    }
  });

  it('a large backbone keeps its weights in one file beside the shared graph', async () => {
    const out = path.join(work, 'external.zip');
    const r = await packRuns({ runs: [run('eva-mlp3')], vote: 'soft', out, shareBackboneAbove: 0 });
    const folder = `backbone-${bbSha.slice(0, 12)}`;
    expect(r.files).toEqual(['manifest.json', `${folder}/backbone.weights`, `${folder}/heads.onnx`]);
    const bundle = await openBundle(out);
    try {
      const outputs = await runAll(path.join(bundle.dir, folder, 'heads.onnx'));
      const want = await perFoldOutputs([run('eva-mlp3')]);
      close(outputs.get('eva-mlp3-fold0'), want.get('eva-mlp3/fold0.onnx'));
      close(outputs.get('eva-mlp3-fold1'), want.get('eva-mlp3/fold1.onnx'));
      // Other heads on the same backbone: the same weights file, byte for byte (a re-upload skips it).
      const other = await packRuns({
        runs: [run('eva-linear')],
        vote: 'soft',
        out: path.join(work, 'external2.zip'),
        shareBackboneAbove: 0,
      });
      expect(other.files).toContain(`${folder}/backbone.weights`);
      const again = await openBundle(other.out);
      try {
        const weights = (b: { dir: string }) => readFile(path.join(b.dir, folder, 'backbone.weights'));
        expect(sha(await weights(again))).toBe(sha(await weights(bundle)));
      } finally {
        await again.dispose();
      }
    } finally {
      await bundle.dispose();
    }
  });
});

describe('pack: CNN runs and several backbones', () => {
  it('CNN folds stay one model each; two backbones give two graphs', async () => {
    const out = path.join(work, 'mixed.zip');
    const runs = [run('cnn'), run('eva-mlp3'), run('giant'), run('eva-linear')];
    const r = await packRuns({ runs, vote: 'soft', outer: 'soft', out });
    const a = `backbone-${bbSha.slice(0, 12)}/heads.onnx`;
    const b = `backbone-${otherSha.slice(0, 12)}/heads.onnx`;
    expect(a).not.toBe(b);
    expect(r.files).toEqual(['manifest.json', ...[a, b, 'cnn/fold0.onnx', 'cnn/fold1.onnx'].sort()]);
    const leaves = listLeaves(r.manifest);
    expect(leaves.map((l) => [l.model, l.outputName])).toEqual([
      ['cnn/fold0.onnx', undefined],
      ['cnn/fold1.onnx', undefined],
      [a, 'eva-mlp3-fold0'],
      [a, 'eva-mlp3-fold1'],
      [b, 'giant-fold0'],
      [b, 'giant-fold1'],
      [a, 'eva-linear-fold0'],
      [a, 'eva-linear-fold1'],
      [a, 'eva-linear-fold2'],
    ]);
    const bundle = await openBundle(out);
    try {
      for (const f of [0, 1]) {
        const cnn = decodeOnnx(await readFile(path.join(bundle.dir, `cnn/fold${f}.onnx`)), 'cnn');
        expect(cnn.graph?.output).toHaveLength(1);
      }
      const first = await runAll(path.join(bundle.dir, a));
      const second = await runAll(path.join(bundle.dir, b));
      expect([...first.keys()]).toEqual(leaves.filter((l) => l.model === a).map((l) => l.outputName));
      expect([...second.keys()]).toEqual(['giant-fold0', 'giant-fold1']);
      const want = await perFoldOutputs([run('giant')]);
      close(second.get('giant-fold0'), want.get('giant/fold0.onnx'));
      close(second.get('giant-fold1'), want.get('giant/fold1.onnx'));
    } finally {
      await bundle.dispose();
    }
  });

  it('the CLI prints each leaf with the output it reads', async () => {
    const { result: code, out: printed } = await captureOutput(() =>
      command.run([run('eva-mlp3'), '--vote', 'soft', '--out', path.join(work, 'cli.zip')]),
    );
    expect(code).toBe(0);
    expect(printed).toContain(`backbone-${bbSha.slice(0, 12)}/heads.onnx → eva-mlp3-fold1`);
  });
});
