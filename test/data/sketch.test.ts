// The sketch renderer: determinism, every class drawn and distinct, classes separable, transforms exact.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapLimit } from '../../core/data/io.js';
import { SKETCH_CLASSES } from '../../core/data/sketch/classes.js';
import { randomTransform, renderSketch, transformToSvg } from '../../core/data/sketch/render.js';
import { Rng } from '../../core/rng.js';

const SIZE = 32;

/** Grey pixels (0 = black ink, 255 = paper) of a PNG, with its width. */
async function pixels(png: Buffer): Promise<{ data: Buffer; width: number; channels: number }> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, channels: info.channels };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('renderSketch', () => {
  it('is byte-identical for the same seed and differs for another seed', async () => {
    const a = await renderSketch(3, 42, { size: 64 });
    const b = await renderSketch(3, 42, { size: 64 });
    const c = await renderSketch(3, 43, { size: 64 });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    const meta = await sharp(a).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels, meta.hasAlpha]).toEqual([
      'png',
      64,
      64,
      3,
      false,
    ]);
  });

  it('refuses an unknown class, a bad size and an unknown transform', async () => {
    await expect(renderSketch(SKETCH_CLASSES.length, 1)).rejects.toThrow(/out of range 0\.\.\d+/);
    await expect(renderSketch(0, 1, { size: 8 })).rejects.toThrow(/size must be an integer in 16\.\.2048/);
    expect(() => transformToSvg('vflip+spin')).toThrow(/unknown sketch transform "spin"/);
  });

  it('applies flips and rotations to the drawing exactly', async () => {
    const plain = await pixels(await renderSketch(7, 5, { size: SIZE }));
    const at = (img: { data: Buffer }, x: number, y: number) => img.data[y * SIZE + x];
    const cases: [string, (x: number, y: number) => [number, number]][] = [
      ['vflip', (x, y) => [x, SIZE - 1 - y]],
      ['hflip', (x, y) => [SIZE - 1 - x, y]],
      ['rot90', (x, y) => [SIZE - 1 - y, x]],
      ['vflip+rot90', (x, y) => [y, x]],
    ];
    for (const [name, map] of cases) {
      const moved = await pixels(await renderSketch(7, 5, { size: SIZE, transform: name }));
      let same = 0;
      let unmoved = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const [u, v] = map(x, y);
          same += Math.abs(at(plain, x, y) - at(moved, u, v));
          unmoved += Math.abs(at(plain, x, y) - at(moved, x, y));
        }
      }
      expect(same, name).toBeLessThan(unmoved / 20);
    }
  });

  it('draws a random non-identity transform from the documented names', () => {
    const r = new Rng(9);
    const names = new Set(Array.from({ length: 300 }, () => randomTransform(r)));
    expect(names.has('vflip')).toBe(true);
    expect(names.has('none')).toBe(false);
    for (const n of names) expect(n).toMatch(/^(vflip|hflip)?(\+?rot\d+)?$/);
  });
});

describe('the sketch classes', () => {
  const TRAIN = 3;
  let first: Buffer[] = [];
  let centroids: Float64Array[] = [];

  beforeAll(async () => {
    const jobs = SKETCH_CLASSES.flatMap((_, c) => Array.from({ length: TRAIN + 1 }, (_, i) => ({ c, i })));
    const imgs = await mapLimit(jobs, 4, async ({ c, i }) => renderSketch(c, 100 + i, { size: SIZE }));
    first = imgs.filter((_, k) => jobs[k].i === TRAIN);
    centroids = [];
    for (let c = 0; c < SKETCH_CLASSES.length; c++) {
      const acc = new Float64Array(16 * 16);
      for (let i = 0; i < TRAIN; i++) {
        const f = await features(imgs[c * (TRAIN + 1) + i]);
        for (let k = 0; k < f.length; k++) acc[k] += f[k];
      }
      centroids.push(acc);
    }
  });

  /** Ink density on a blurred 16×16 grid, unit length. */
  async function features(png: Buffer): Promise<Float64Array> {
    const { data } = await sharp(png)
      .greyscale()
      .blur(1.2)
      .resize(16, 16)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const v = Float64Array.from(data, (x) => 1 - x / 255);
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  }

  it('has at least 50 unique snake_case names', () => {
    expect(SKETCH_CLASSES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(SKETCH_CLASSES).size).toBe(SKETCH_CLASSES.length);
    for (const name of SKETCH_CLASSES) expect(name).toMatch(/^[a-z][a-z_]*$/);
  });

  it('renders every class as a distinct drawing that is neither blank nor a blob', async () => {
    expect(new Set(first.map(sha)).size).toBe(SKETCH_CLASSES.length);
    for (const [c, png] of first.entries()) {
      const { data } = await pixels(png);
      const ink = data.reduce((sum, v) => sum + (255 - v) / 255, 0) / data.length;
      expect(ink, SKETCH_CLASSES[c]).toBeGreaterThan(0.03);
      expect(ink, SKETCH_CLASSES[c]).toBeLessThan(0.35);
    }
  });

  it('keeps classes apart: a nearest-centroid classifier on 16×16 ink maps beats chance many times over', async () => {
    let correct = 0;
    for (const [c, png] of first.entries()) {
      const f = await features(png);
      let best = -1;
      let bestScore = -Infinity;
      centroids.forEach((m, k) => {
        const score = m.reduce((s, v, j) => s + v * f[j], 0) / (Math.hypot(...m) || 1);
        if (score > bestScore) [best, bestScore] = [k, score];
      });
      if (best === c) correct++;
    }
    // Chance is 1/classes (< 2%); this crude pixel classifier gets far above it when classes differ in shape.
    expect(correct / SKETCH_CLASSES.length).toBeGreaterThan(0.3);
  });
});
