// Stratified k-fold: balance per class and per fold, determinism from seed + data only, errors, folds.csv.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSketchboardError } from '../../core/errors.js';
import { checkFoldsMatch, readFolds, stratifiedFolds, writeFolds } from '../../core/train/folds.js';
import { removeDir, tempDir } from '../data/fixtures.js';

type Item = { className: string; relPath: string; target: number; imagePath: string };

function dataset(counts: number[]): Item[] {
  return counts.flatMap((n, target) =>
    Array.from({ length: n }, (_, k) => ({
      className: `c${target}`,
      relPath: `c${target}/${String(k).padStart(3, '0')}.png`,
      target,
      imagePath: `/d/train/c${target}/${k}.png`,
    })),
  );
}

function countsPerFold(items: Item[], folds: number[], k: number, target?: number): number[] {
  const counts = new Array<number>(k).fill(0);
  items.forEach((item, i) => {
    if (target === undefined || item.target === target) counts[folds[i]]++;
  });
  return counts;
}

describe('stratifiedFolds', () => {
  const items = dataset([7, 5, 10, 13]);

  it('spreads every class over the folds as evenly as possible, and balances fold sizes', () => {
    const k = 3;
    const folds = stratifiedFolds(items, k, 1);
    expect(folds.every((f) => Number.isInteger(f) && f >= 0 && f < k)).toBe(true);
    for (let t = 0; t < 4; t++) {
      const c = countsPerFold(items, folds, k, t);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    }
    const sizes = countsPerFold(items, folds, k);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(items.length);
  });

  it('depends only on seed and data: same seed → same folds, whatever the row order', () => {
    const a = stratifiedFolds(items, 5, 7);
    expect(stratifiedFolds(items, 5, 7)).toEqual(a);
    const shuffled = [...items].reverse();
    const b = stratifiedFolds(shuffled, 5, 7);
    const byPath = new Map(items.map((it, i) => [it.relPath, a[i]]));
    shuffled.forEach((it, i) => {
      expect(b[i]).toBe(byPath.get(it.relPath));
    });
  });

  it('changes with the seed', () => {
    expect(stratifiedFolds(items, 5, 1)).not.toEqual(stratifiedFolds(items, 5, 2));
  });

  it('refuses a class with fewer images than folds, naming it', () => {
    const small = dataset([6, 2, 6]);
    let caught: unknown;
    try {
      stratifiedFolds(small, 3, 1);
    } catch (err) {
      caught = err;
    }
    expect(isSketchboardError(caught, 'invalid_data')).toBe(true);
    expect((caught as Error).message).toMatch(/fewer than 3 images: "c1" \(2\)/);
    expect(() => stratifiedFolds(small, 1, 1)).toThrow(/folds must be an integer >= 2/);
  });
});

describe('folds.csv', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('sb-folds-');
  });
  afterAll(() => removeDir(dir));

  it('round-trips and is checked against the data', async () => {
    const items = dataset([4, 4, 5]);
    const folds = stratifiedFolds(items, 2, 3);
    await writeFolds(dir, items, folds);
    const rows = await readFolds(dir);
    expect(rows).toEqual(
      items.map((it, i) => ({ imagePath: it.relPath, target: it.target, fold: folds[i] })),
    );
    expect(() => checkFoldsMatch(rows, items, folds)).not.toThrow();
    const other = stratifiedFolds(items, 2, 4);
    expect(() => checkFoldsMatch(rows, items, other)).toThrow(/does not match this data and seed/);
    expect(() => checkFoldsMatch(rows.slice(1), items, folds)).toThrow(/does not match/);
  });
});
