// generateSketchDataset and `sketchboard gen`: layout, determinism, transform share, output-folder rules, CLI exits.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCompetitionDir } from '../../core/data/competition.js';
import { readCsv } from '../../core/data/csv.js';
import { generateSketchDataset, isGeneratedSet, SKETCH_CLASSES } from '../../core/data/generate.js';
import { runCli } from '../helpers/cli.js';
import { expectDataError, put, removeDir, tempDir } from './fixtures.js';

let root: string;
beforeAll(async () => {
  root = await tempDir('sb-gen-');
});
afterAll(() => removeDir(root));

const SMALL = { classes: 3, trainPerClass: 2, testPerClass: 10, size: 32, seed: 7, testTransformShare: 0.3 };

/** Every file under `dir` (relative path → contents). */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const entries = await Promise.all(
    files.map(async (e) => {
      const full = path.join(e.parentPath, e.name);
      return [path.relative(dir, full), await readFile(full)] as const;
    }),
  );
  return new Map(entries);
}

describe('generateSketchDataset', () => {
  it('writes a competition folder that the layout loader accepts', async () => {
    const out = path.join(root, 'a');
    const progress: number[] = [];
    const res = await generateSketchDataset({ ...SMALL, out, onProgress: (done) => progress.push(done) });
    expect(res).toMatchObject({ trainCount: 6, testCount: 30, classNames: SKETCH_CLASSES.slice(0, 3) });
    expect(progress).toHaveLength(36);
    expect(Math.max(...progress)).toBe(36);
    const c = await loadCompetitionDir(out, { labels: true });
    expect([c.classes, c.train.length, c.test.length, c.labels?.length]).toEqual([3, 6, 30, 30]);
    expect(c.train[0].relPath).toBe('house/house_0000.png');
    expect(c.test.map((t) => t.id)).toEqual(Array.from({ length: 30 }, (_, k) => String(k)));
    const targets = c.labels!.map((l) => l.target);
    expect(targets).not.toEqual([...targets].sort((x, y) => x - y));
    expect(targets.filter((t) => t === 2)).toHaveLength(10);
    expect(await readFile(path.join(out, 'classes.txt'), 'utf8')).toBe('house\ntree\nfish\n');
    expect(await isGeneratedSet(out)).toBe(true);
  });

  it('transforms exactly the requested share of test images and records which', async () => {
    const { rows } = await readCsv(path.join(root, 'a', 'test_meta.csv'), { required: ['ID', 'transform'] });
    expect(rows).toHaveLength(30);
    const changed = rows.filter((r) => r.values.transform !== 'none');
    expect(changed).toHaveLength(9);
    for (const r of changed) expect(r.values.transform).toMatch(/^(vflip|hflip)?(\+?rot\d+)?$/);
    const out = path.join(root, 'none');
    await generateSketchDataset({ ...SMALL, testPerClass: 4, out, testTransformShare: 0 });
    const meta = await readCsv(path.join(out, 'test_meta.csv'), { required: ['ID', 'transform'] });
    expect(meta.rows.every((r) => r.values.transform === 'none')).toBe(true);
  });

  it('is byte-identical for the same seed and differs for another', async () => {
    const again = path.join(root, 'b');
    await generateSketchDataset({ ...SMALL, out: again, concurrency: 3 });
    const [a, b] = [await snapshot(path.join(root, 'a')), await snapshot(again)];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
    const other = path.join(root, 'c');
    await generateSketchDataset({ ...SMALL, out: other, seed: 8 });
    const c = await snapshot(other);
    const rel = path.join('train', 'house', 'house_0000.png');
    expect(c.get(rel)!.equals(a.get(rel)!)).toBe(false);
  });

  it('replaces an earlier generated set but refuses a foreign non-empty folder', async () => {
    const out = path.join(root, 'a');
    await generateSketchDataset({ ...SMALL, classes: 2, testPerClass: 2, out });
    expect((await readdir(path.join(out, 'train'))).sort()).toEqual(['house', 'tree']);
    const foreign = path.join(root, 'foreign');
    await put(foreign, 'notes.txt', 'mine');
    await expectDataError(
      generateSketchDataset({ ...SMALL, out: foreign }),
      /output folder .*foreign is not empty and is not a set made by sketchboard gen/,
      'invalid_argument',
    );
    expect(await readdir(foreign)).toEqual(['notes.txt']);
  });

  it('refuses more classes than exist', async () => {
    await expectDataError(
      generateSketchDataset({ out: path.join(root, 'd'), classes: SKETCH_CLASSES.length + 1 }),
      new RegExp(`classes must be an integer in 1\\.\\.${SKETCH_CLASSES.length}`),
      'invalid_argument',
    );
  });
});

describe('sketchboard gen', () => {
  const run = runCli;

  it.each([
    [[], /missing required option --out/],
    [['--out', 'x', '--classes', String(SKETCH_CLASSES.length + 1)], /sketch classes available/],
    [['--out', 'x', '--size', 'big'], /--size must be an integer/],
    [['--out', 'x', '--test-transform-share', '1.5'], /--test-transform-share must be between 0 and 1/],
    [['--out', 'x', '--colour'], /Unknown option/],
  ])('exits 2 with usage for %j', async (args, message) => {
    const { code, err } = await run(['gen', ...args]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toMatch(/Usage: sketchboard gen --out DIR/);
  });

  it('generates a set and prints a summary line', async () => {
    const out = path.join(root, 'cli');
    const args = [
      '--out',
      out,
      '--classes',
      '2',
      '--train-per-class',
      '1',
      '--test-per-class',
      '2',
      '--size',
      '24',
    ];
    const { code, out: stdout } = await run(['gen', ...args]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^generated 2 train \+ 4 test images, 2 classes, 24px, seed 1 in .*cli \(\d+\.\d s\)\n$/,
    );
    expect((await loadCompetitionDir(out, { labels: true })).labels).toHaveLength(4);
  });

  it('exits 1 with a message for a foreign non-empty folder', async () => {
    const { code, err } = await run(['gen', '--out', path.join(root, 'foreign'), '--classes', '2']);
    expect(code).toBe(1);
    expect(err).toMatch(/is not empty and is not a set made by sketchboard gen/);
  });
});
