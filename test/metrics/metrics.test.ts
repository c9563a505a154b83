// Accuracy, Wilson intervals, splits, and joining output.csv to labels with clear errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSketchboardError } from '../../core/errors.js';
import {
  accuracyStats,
  formatEvaluation,
  scoreAligned,
  wilsonInterval,
} from '../../core/metrics/accuracy.js';
import { evaluate } from '../../core/metrics/evaluate.js';
import { scorePredictions } from '../../core/metrics/join.js';

let dir: string;
const file = async (name: string, text: string) => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};
const LABELS =
  'ID,image_path,target,split\na,a.png,0,public\nb,b.png,1,private\nc,c.png,2,public\nd,d.png,1,private\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wilsonInterval', () => {
  it('matches hand-computed 95% intervals', () => {
    const [lo, hi] = wilsonInterval(81, 100);
    expect(lo).toBeCloseTo(0.72221, 4);
    expect(hi).toBeCloseTo(0.87486, 4);
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.27753, 4);
    expect(wilsonInterval(10, 10)[0]).toBeCloseTo(0.72247, 4);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 12);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('narrows as the sample grows and refuses impossible counts', () => {
    const width = (k: number, n: number) => wilsonInterval(k, n)[1] - wilsonInterval(k, n)[0];
    expect(width(500, 1000)).toBeLessThan(width(50, 100));
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });
});

describe('scoreAligned', () => {
  it('scores overall and per split', () => {
    const e = scoreAligned([0, 1, 2, 0], [0, 1, 1, 0], ['public', 'private', 'private', 'public']);
    expect(e.overall).toMatchObject({ correct: 3, total: 4, accuracy: 0.75 });
    expect(e.splits.public).toEqual(accuracyStats(2, 2));
    expect(e.splits.private.accuracy).toBe(0.5);
    expect(Object.keys(scoreAligned([1], [1]).splits)).toEqual([]);
    expect(formatEvaluation(e)[2]).toMatch(/^public {3}1\.0000 \(95% CI 0\.3424–1\.0000, 2\/2\)$/);
  });
});

describe('scorePredictions', () => {
  const labels = [
    { id: 'a', target: 0 },
    { id: 'b', target: 1 },
  ];
  it('joins by ID whatever the order', () => {
    const e = scorePredictions(
      [
        { id: 'b', target: 1 },
        { id: 'a', target: 1 },
      ],
      labels,
    );
    expect(e.overall.correct).toBe(1);
  });

  it('names missing, extra and duplicate IDs and bad targets', () => {
    const err = (rows: { id: string; target: number }[]) => {
      try {
        scorePredictions(rows, labels, 'out.csv');
      } catch (e) {
        expect(isSketchboardError(e, 'invalid_data')).toBe(true);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err([{ id: 'a', target: 0 }])).toBe('out.csv: 1 labelled ID(s) have no prediction: b');
    expect(err([...labels, { id: 'z', target: 0 }])).toBe(
      'out.csv: 1 predicted ID(s) are not in the labels: z',
    );
    expect(err([...labels, { id: 'a', target: 0 }])).toBe('out.csv: duplicate ID(s) a');
    expect(
      err([
        { id: 'a', target: -1 },
        { id: 'b', target: 0.5 },
      ]),
    ).toMatch(/a \(-1\), b \(0\.5\)/);
  });
});

describe('evaluate', () => {
  it('reads output.csv and labels, per split with intervals', async () => {
    const labels = await file('labels.csv', LABELS);
    const out = await file('out.csv', 'ID,image_path,target\nd,d.png,1\nc,c.png,0\nb,b.png,1\na,a.png,0\n');
    const e = await evaluate(out, labels);
    expect(e.overall).toMatchObject({ correct: 3, total: 4 });
    expect(e.splits.public).toMatchObject({ correct: 1, total: 2, accuracy: 0.5 });
    expect(e.splits.private).toMatchObject({ correct: 2, total: 2, accuracy: 1 });
    expect(e.splits.private.ci[0]).toBeCloseTo(wilsonInterval(2, 2)[0], 12);
  });

  it('refuses bad targets with file and line, and mismatched image paths', async () => {
    const labels = await file('labels2.csv', LABELS);
    const bad = await file('bad.csv', 'ID,image_path,target\na,a.png,0\nb,b.png,cat\nc,c.png,2\nd,d.png,1\n');
    await expect(evaluate(bad, labels)).rejects.toThrow(`${bad} line 3: target "cat" is not a class index`);
    const moved = await file(
      'moved.csv',
      'ID,image_path,target\na,x.png,0\nb,b.png,1\nc,c.png,2\nd,d.png,1\n',
    );
    await expect(evaluate(moved, labels)).rejects.toThrow(/image_path differs .* a \(x\.png vs a\.png\)/);
    const missing = await file('missing.csv', 'ID,image_path,target\na,a.png,0\n');
    await expect(evaluate(missing, labels)).rejects.toThrow(/3 labelled ID\(s\) have no prediction: b, c, d/);
  });

  it('scores without splits when the labels have none', async () => {
    const labels = await file('nosplit.csv', 'ID,image_path,target\na,a.png,0\nb,b.png,1\n');
    const out = await file('out2.csv', 'ID,image_path,target\na,a.png,0\nb,b.png,0\n');
    const e = await evaluate(out, labels);
    expect(e.overall.accuracy).toBe(0.5);
    expect(e.splits).toEqual({});
  });
});
