// sketchboard report: OOF numbers from hand-made OOF files, test votes equal to what packed bundles score, files, CLI.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openBundle } from '../../core/bundle/open.js';
import { loadCompetitionDir } from '../../core/data/competition.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { predictBundle } from '../../core/predict/predictor.js';
import { writeFoldOof } from '../../core/train/checkpoint.js';
import { packRuns } from '../../core/train/pack-runs.js';
import { buildRunReport, readReportJson } from '../../core/train/report.js';
import { writeRunReport } from '../../core/train/report-write.js';
import { foldDir } from '../../core/train/run.js';
import { main } from '../../functions/cli/main.js';
import { fakeRun } from './pack-runs-fixtures.js';

process.env.SKETCHBOARD_TFJS_BACKEND = 'cpu';
let work: string;
let data: string;
let run: string;
const C = 4;
/** Wrong OOF rows (train index → [predicted class, confidence]); every other row is right with p = 0.7. */
const WRONG = new Map([
  [1, [2, 0.9]],
  [4, [3, 0.8]],
  [5, [1, 0.6]],
]);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'report-'));
  data = path.join(work, 'data');
  await generateSketchDataset({
    out: data,
    classes: C,
    trainPerClass: 6,
    testPerClass: 4,
    size: 32,
    testTransformShare: 0.5,
  });
  run = path.join(work, 'run');
  await fakeRun(run, { kind: 'cnn', folds: 3, data });
  // 24 train items, item i in fold i % 3, target floor(i / 6).
  for (let fold = 0; fold < 3; fold++) {
    const indices = Array.from({ length: 24 }, (_, i) => i).filter((i) => i % 3 === fold);
    const probs = new Float32Array(indices.length * C);
    indices.forEach((i, r) => {
      const target = Math.floor(i / 6);
      const [cls, p] = WRONG.get(i) ?? [target, 0.7];
      for (let c = 0; c < C; c++) probs[r * C + c] = c === cls ? p : (1 - p) / (C - 1);
    });
    await writeFoldOof(foldDir(run, fold), { fold, epoch: 0, classes: C, indices }, probs);
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('buildRunReport', () => {
  it('scores OOF per fold and pooled, per class, confusions and the most confident errors', async () => {
    const r = await buildRunReport(run);
    expect(r.oof.folds.map((f) => [f.fold, f.stats.correct, f.stats.total, f.finished])).toEqual([
      [0, 8, 8, true],
      [1, 6, 8, true],
      [2, 7, 8, true],
    ]);
    expect(r.oof.pooled).toMatchObject({ correct: 21, total: 24 });
    expect(r.perClass.map((c) => [c.stats.correct, c.stats.total])).toEqual([
      [3, 6],
      [6, 6],
      [6, 6],
      [6, 6],
    ]);
    expect(r.errors.map((e) => [e.index, e.predicted, e.fold])).toEqual([
      [1, 2, 1],
      [4, 3, 1],
      [5, 1, 2],
    ]);
    expect(r.errors[0].image).toBe(path.join(data, 'train', r.oofTable.items[1].imagePath));
    expect(r.confusions).toHaveLength(3);
    expect(r.confusions[0]).toMatchObject({ actual: 0, count: 1 });
    expect(r.test).toBeUndefined();
  });

  it('writes report.md, report.json and the two PNGs', async () => {
    const r = await buildRunReport(run);
    const files = await writeRunReport(r);
    expect(files.dir).toBe(path.join(run, 'report'));
    const md = await readFile(files.markdown, 'utf8');
    expect(md).toContain('| **pooled** | | **87.50% (21/24');
    expect(md).toMatch(/a soft or a hard vote over the folds gives exactly the pooled OOF accuracy/);
    expect(md).toContain('![error gallery](errors.png)');
    const json = await readReportJson(files.json);
    expect(json.oof.pooled.correct).toBe(21);
    const gallery = await sharp(files.gallery).metadata();
    const confusion = await sharp(files.confusion).metadata();
    expect(gallery.height).toBeGreaterThan(3 * 96);
    expect(confusion.width).toBeGreaterThan(4 * 28);
  });

  it('with --data: the test accuracy of single folds and votes equals what packed bundles score', async () => {
    const r = await buildRunReport(run, { data });
    const groups = r.test!.groups;
    expect(groups.map((g) => [g.name, g.images])).toEqual(
      expect.arrayContaining([
        ['all test images', 16],
        ['untransformed', 8],
        ['flipped or rotated', 8],
      ]),
    );
    const comp = await loadCompetitionDir(data, { labels: true });
    const images = comp.test.map((t) => t.imagePath);
    const targets = comp.labels!.map((l) => l.target);
    const correct = (p: ArrayLike<number>) => targets.filter((t, i) => p[i] === t).length;
    for (const vote of ['soft', 'hard'] as const) {
      const out = path.join(work, `${vote}.zip`);
      await packRuns({ runs: [run], vote, out });
      const bundle = await openBundle(out);
      try {
        const p = await predictBundle(bundle, images, { load: { executionProviders: ['cpu'] } });
        expect(groups[0][vote].correct).toBe(correct(p.predictions));
        const leaves = p.members.filter((m) => m.model.endsWith('.onnx'));
        expect(groups[0].folds.map((f) => f.stats.correct)).toEqual(
          leaves.map((l) => correct(l.predictions)),
        );
      } finally {
        await bundle.dispose();
      }
    }
    const mean = groups[0].folds.reduce((s, f) => s + f.stats.accuracy, 0) / 3;
    expect(groups[0].meanSingle).toBeCloseTo(mean, 10);
  });
});

describe('sketchboard report', () => {
  it('prints the report and writes it to --out; usage errors', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const out = path.join(work, 'elsewhere');
    try {
      expect(await main(['report', run, '--out', out, '--errors', '2'])).toBe(0);
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toContain('# Run report: run');
      expect(printed).toContain('## Most confident OOF errors');
      expect(printed).toMatch(/written: .*report\.md/);
    } finally {
      write.mockRestore();
    }
    expect((await stat(path.join(out, 'errors.png'))).size).toBeGreaterThan(1000);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['report'])).toBe(2);
      expect(await main(['report', run, '--errors', 'x'])).toBe(2);
      expect(await main(['report', path.join(work, 'nope')])).toBe(1);
    } finally {
      err.mockRestore();
    }
  });
});
