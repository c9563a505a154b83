// Built-in transforms: exact flips, rotation against transpose-flips, white fill, zero-strength identities, seeding.
import { describe, expect, it } from 'vitest';
import { compose, createTransform, type Tensor } from '../../core/augment/index.js';
import { at, mapPixels, maxAbsDiff, noise, noiseBatch } from './fixtures.js';

const always = <T extends object>(spec: T) => ({ ...spec, p: 1 });

describe('flips', () => {
  it('vflip reverses the rows of a hand-made 3×2 image, channels untouched', () => {
    // 3 rows, 2 columns, 2 channels: value = 10*row + column, second channel negated.
    const img: Tensor = {
      data: Float32Array.of(0, -0, 1, -1, 10, -10, 11, -11, 20, -20, 21, -21),
      dims: [3, 2, 2],
    };
    const out = createTransform(always({ kind: 'vflip' })).apply(img, 1);
    expect([...out.data]).toEqual([20, -20, 21, -21, 10, -10, 11, -11, 0, -0, 1, -1]);
    expect(out.dims).toEqual([3, 2, 2]);
    expect([...img.data]).toEqual([0, -0, 1, -1, 10, -10, 11, -11, 20, -20, 21, -21]);
  });

  it('hflip reverses the columns and keeps pixels whole (RGB order kept)', () => {
    const img: Tensor = { data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), dims: [1, 3, 3] };
    expect([...createTransform(always({ kind: 'hflip' })).apply(img, 1).data]).toEqual([
      7, 8, 9, 4, 5, 6, 1, 2, 3,
    ]);
  });

  it('hflip twice and vflip twice are the identity, exactly, on a batch', () => {
    const batch = noiseBatch(3, 5, 7, 3);
    for (const kind of ['hflip', 'vflip'] as const) {
      const t = createTransform({ kind, p: 1 });
      const once = t.apply(batch, 3);
      expect(maxAbsDiff(once.data, batch.data)).toBeGreaterThan(0);
      expect(t.apply(once, 4).data).toEqual(batch.data);
    }
  });
});

describe('rotate', () => {
  const img = noise(9, 9, 2, 5);
  const rotate = (deg: number) =>
    createTransform({ kind: 'rotate', degrees: [deg, deg], p: 1 }).apply(img, 1);

  it('90° (counter-clockwise) is a transpose then a vertical flip; -90° a transpose then a horizontal flip', () => {
    expect(maxAbsDiff(rotate(90).data, mapPixels(img, 9, 9, (y, x) => [x, 8 - y]).data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(rotate(-90).data, mapPixels(img, 9, 9, (y, x) => [8 - x, y]).data)).toBeLessThan(1e-5);
  });

  it('180° is both flips and 0° is the identity exactly', () => {
    expect(maxAbsDiff(rotate(180).data, mapPixels(img, 9, 9, (y, x) => [8 - y, 8 - x]).data)).toBeLessThan(
      1e-5,
    );
    expect(rotate(0).data).toEqual(img.data);
  });

  it('fills the corners white and keeps the centre of a black image', () => {
    const black: Tensor = { data: new Float32Array(16 * 16), dims: [16, 16, 1] };
    const out = createTransform({ kind: 'rotate', degrees: [45, 45], p: 1 }).apply(black, 1);
    for (const [y, x] of [
      [0, 0],
      [0, 15],
      [15, 0],
      [15, 15],
    ])
      expect(at(out, y, x)).toBe(1);
    expect(at(out, 8, 8)).toBe(0);
    expect(at(out, 7, 7)).toBe(0);
  });

  /** Angle (degrees, counter-clockwise on screen) of a dark line in an N×N image, from its per-column centroids. */
  function lineAngle(out: Tensor, n: number): number {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let x = 5; x < n - 5; x++) {
      let mass = 0;
      let moment = 0;
      for (let y = 0; y < n; y++) {
        mass += 1 - at(out, y, x);
        moment += (1 - at(out, y, x)) * y;
      }
      xs.push(x);
      ys.push(moment / mass);
    }
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    const slope =
      xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return (Math.atan(-slope) * 180) / Math.PI;
  }

  it('turns counter-clockwise for positive angles and draws them within ±degrees', () => {
    const n = 31;
    const line: Tensor = { data: new Float32Array(n * n).fill(1), dims: [n, n, 1] };
    for (let x = 0; x < n; x++) line.data[15 * n + x] = 0;
    const fixed = createTransform({ kind: 'rotate', degrees: [20, 20], p: 1 }).apply(line, 1);
    expect(lineAngle(fixed, n)).toBeCloseTo(20, 0);
    const t = createTransform({ kind: 'rotate', degrees: 10, p: 1 });
    const angles = Array.from({ length: 40 }, (_, seed) => lineAngle(t.apply(line, seed), n));
    expect(Math.max(...angles.map(Math.abs))).toBeLessThan(10.5);
    expect(Math.min(...angles)).toBeLessThan(-5);
    expect(Math.max(...angles)).toBeGreaterThan(5);
  });
});

describe('warps', () => {
  const img = noise(24, 20, 3, 9);

  it('zero strength is the identity: elastic alpha 0 exactly, grid distortLimit 0 to float rounding', () => {
    expect(createTransform({ kind: 'elastic', alpha: 0, sigma: 3, p: 1 }).apply(img, 7).data).toEqual(
      img.data,
    );
    const grid = createTransform({ kind: 'gridDistortion', steps: 5, distortLimit: 0, p: 1 }).apply(img, 7);
    expect(maxAbsDiff(grid.data, img.data)).toBeLessThan(1e-5);
  });

  it('non-zero strength moves pixels, stays in the range of the input and white', () => {
    for (const spec of [
      { kind: 'elastic', alpha: 34, sigma: 4, p: 1 },
      { kind: 'gridDistortion', steps: 5, distortLimit: 0.3, p: 1 },
    ] as const) {
      const out = createTransform(spec).apply(img, 7).data;
      expect(maxAbsDiff(out, img.data)).toBeGreaterThan(0.05);
      expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });

  it('grid distortion keeps the image edges in place (normalised steps, no white bleeding in)', () => {
    const black: Tensor = { data: new Float32Array(32 * 32), dims: [32, 32, 1] };
    for (let seed = 0; seed < 10; seed++) {
      const out = createTransform({ kind: 'gridDistortion', steps: 4, distortLimit: 0.5, p: 1 }).apply(
        black,
        seed,
      );
      expect(Math.max(...out.data)).toBeLessThan(1e-5);
    }
  });
});

describe('seeding', () => {
  const batch = noiseBatch(4, 16, 16, 1);
  const random = [
    { kind: 'rotate', degrees: 15, p: 1 },
    { kind: 'elastic', p: 1 },
    { kind: 'gridDistortion', p: 1 },
    { kind: 'hflip', p: 0.5 },
  ] as const;

  it.each(random)('$kind: same seed → same output, different seed → different output', (spec) => {
    const a = createTransform(spec).apply(batch, 11).data;
    expect(createTransform(spec).apply(batch, 11).data).toEqual(a);
    expect(maxAbsDiff(createTransform(spec).apply(batch, 12).data, a)).toBeGreaterThan(0);
  });

  it('an image alone gives the same result as at index 0 of a batch, and samples draw differently', () => {
    const t = createTransform({ kind: 'elastic', p: 1 });
    const size = 16 * 16;
    const out = t.apply(batch, 5).data;
    const first = t.apply({ data: batch.data.slice(0, size), dims: [16, 16, 1] }, 5).data;
    expect(first).toEqual(out.subarray(0, size));
    const same: Tensor = { data: new Float32Array(2 * size), dims: [2, 16, 16, 1] };
    same.data.set(batch.data.subarray(0, size), 0);
    same.data.set(batch.data.subarray(0, size), size);
    const twice = t.apply(same, 5).data;
    expect(maxAbsDiff(twice.subarray(0, size), twice.subarray(size))).toBeGreaterThan(0);
  });

  it('compose applies in order and a member draws the same whatever the others are', () => {
    const img = noise(8, 8, 1, 2);
    const hv = compose([createTransform({ kind: 'hflip', p: 1 }), createTransform({ kind: 'vflip', p: 1 })]);
    expect(hv.apply(img, 1).data).toEqual(mapPixels(img, 8, 8, (y, x) => [7 - y, 7 - x]).data);
    const rot = { kind: 'rotate', degrees: 30, p: 1 } as const;
    const withFlip = compose([createTransform({ kind: 'hflip', p: 0 }), createTransform(rot)]).apply(
      img,
      3,
    ).data;
    const withRot = compose([createTransform({ kind: 'vflip', p: 0 }), createTransform(rot)]).apply(
      img,
      3,
    ).data;
    expect(withRot).toEqual(withFlip);
    expect(compose([]).apply(img, 3).data).toEqual(img.data);
  });
});
