// Report maths and figures on hand-made tables: confusion counts, per-class accuracy, confused pairs, worst errors, PNGs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confusionMatrix,
  matrixAccuracy,
  perClassAccuracy,
  topConfusedPairs,
  topConfusions,
} from '../../core/metrics/confusion.js';
import { confusionSvg, escapeXml, shareColour, svgToPng } from '../../core/metrics/confusion-plot.js';
import { classExamples, renderErrorGallery, worstErrors } from '../../core/metrics/gallery.js';
import { randomImages } from './pack-runs-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'report-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// 10 images of 3 classes: class 0 (4 images) 3 right, 1 → 1; class 1 (3) 1 right, 2 → 2; class 2 (3) 2 right, 1 → 1.
const targets = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const predictions = [0, 0, 0, 1, 1, 2, 2, 2, 2, 1];

describe('confusion maths', () => {
  const m = confusionMatrix(targets, predictions, 3);

  it('counts (true, predicted) cells, per-class accuracy and the total', () => {
    expect([...m.counts]).toEqual([3, 1, 0, 0, 1, 2, 0, 1, 2]);
    expect(perClassAccuracy(m).map((s) => [s.correct, s.total])).toEqual([
      [3, 4],
      [1, 3],
      [2, 3],
    ]);
    expect(matrixAccuracy(m)).toMatchObject({ correct: 6, total: 10, accuracy: 0.6 });
    // Uncovered rows (target -1) are skipped; out-of-range values are refused.
    expect([...confusionMatrix([-1, 0], [1, 0], 2).counts]).toEqual([1, 0, 0, 0]);
    expect(() => confusionMatrix([0], [3], 2)).toThrow(RangeError);
  });

  it('lists the most-confused cells and unordered pairs', () => {
    expect(topConfusions(m, 2)).toEqual([
      { actual: 1, predicted: 2, count: 2, share: 2 / 3 },
      { actual: 2, predicted: 1, count: 1, share: 1 / 3 },
    ]);
    expect(topConfusedPairs(m, 5)).toEqual([
      { a: 1, b: 2, count: 3, aToB: 2, bToA: 1 },
      { a: 0, b: 1, count: 1, aToB: 1, bToA: 0 },
    ]);
  });
});

describe('worst errors and class examples', () => {
  // 5 rows × 2 classes: rows 1 and 3 wrong (p = 0.9 and 0.7), row 4 wrong but not covered.
  const probs = Float32Array.from([0.8, 0.2, 0.1, 0.9, 0.6, 0.4, 0.3, 0.7, 0.01, 0.99]);
  const t = [0, 0, 0, 0, 0];
  const covered = [true, true, true, true, false];

  it('orders errors by confidence in the wrong class, skipping uncovered rows', () => {
    expect(worstErrors(probs, 2, t, covered, 5)).toEqual([
      { index: 1, actual: 0, predicted: 1, confidence: expect.closeTo(0.9, 6) },
      { index: 3, actual: 0, predicted: 1, confidence: expect.closeTo(0.7, 6) },
    ]);
    expect(worstErrors(probs, 2, t, covered, 1)).toHaveLength(1);
  });

  it('picks the most typical examples of a class, never the excluded row, uncovered last', () => {
    expect(classExamples(probs, 2, t, covered, 0, 3, 0)).toEqual([2, 3, 1]);
    expect(classExamples(probs, 2, t, covered, 0, 5)).toEqual([0, 2, 3, 1, 4]);
  });
});

describe('figures', () => {
  it('renders the confusion matrix with row-normalised colours', async () => {
    const m = confusionMatrix(targets, predictions, 3);
    const svg = confusionSvg(m, ['cat', 'dog & co', 'owl'], { cell: 40, title: 'test <matrix>' });
    expect(svg).toContain('dog &amp; co');
    expect(svg).toContain('test &lt;matrix&gt;');
    const file = path.join(dir, 'confusion.png');
    const size = await svgToPng(svg, file);
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([size.width, size.height]);
    // Find the matrix's top-left corner from the SVG, then read cell (0,0) (share 3/4) and (0,2) (empty).
    const [, x0, y0] = /<rect x="(\d+)" y="(\d+)" width="40" height="40"/.exec(svg)!.map(Number);
    const px = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ];
    const hex = shareColour(3 / 4);
    const want = [1, 3, 5].map((k) => Number.parseInt(hex.slice(k, k + 2), 16));
    const got = px(x0 + 3, y0 + 3);
    for (const [k, v] of got.entries()) expect(Math.abs(v - want[k])).toBeLessThanOrEqual(2);
    expect(px(x0 + 2 * 40 + 20, y0 + 20)).toEqual([255, 255, 255]);
    expect(escapeXml(`a"b'`)).toBe('a&quot;b&#39;');
  });

  it('renders the error gallery: one row per error with seven framed thumbnails', async () => {
    const imgs = await randomImages(path.join(dir, 'imgs'), 7, 24);
    const row = {
      image: imgs[0],
      caption: 'cat/0001.png',
      actual: 'cat',
      predicted: 'dog',
      confidence: 0.93,
      actualExamples: imgs.slice(1, 4),
      predictedExamples: imgs.slice(4, 7),
    };
    const one = await renderErrorGallery([row], path.join(dir, 'g1.png'), { thumb: 64 });
    const three = await renderErrorGallery([row, row, row], path.join(dir, 'g3.png'), { thumb: 64 });
    expect(three.width).toBe(one.width);
    expect(three.height - one.height).toBe(2 * (64 + 44));
    const { data, info } = await sharp(path.join(dir, 'g1.png'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    // The misclassified image's red frame sits just left of its thumbnail (x = 8 - 1.5, y from 86).
    const at = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ];
    const [r, g, b] = at(7, 120);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
    const empty = await renderErrorGallery([], path.join(dir, 'g0.png'));
    expect(empty.height).toBeGreaterThan(50);
  });
});
