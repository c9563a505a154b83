// Kernel internals and the registry: Gaussian blur against a direct 2-D sum, grid maps, probabilities, refusals.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createTransform,
  DEFAULT_P,
  defineTransformKind,
  Rng,
  registerTransform,
  sampleRng,
  type Transform,
  transformKinds,
} from '../../core/augment/index.js';
import { gaussianBlur, gaussianKernel } from '../../core/augment/sampling.js';
import { gridAxis } from '../../core/augment/warp.js';
import { isSketchboardError } from '../../core/errors.js';
import { noise, shapeOf } from './fixtures.js';

describe('gaussian blur', () => {
  it('the kernel is symmetric, sums to 1 and has radius ceil(3 sigma)', () => {
    const k = gaussianKernel(1.5);
    expect(k.length).toBe(2 * 5 + 1);
    expect(k.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    for (let i = 0; i < k.length; i++) expect(k[i]).toBeCloseTo(k[k.length - 1 - i], 7);
  });

  it.each([
    [1.2, 9, 12],
    [4, 5, 6],
  ])(
    'sigma %f on %i×%i: the separable blur equals the direct 2-D convolution with clamped edges',
    (sigma, h, w) => {
      const field = noise(h, w).data;
      const k = gaussianKernel(sigma);
      const r = (k.length - 1) / 2;
      const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
      const direct = new Float32Array(h * w);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let acc = 0;
          for (let i = -r; i <= r; i++) {
            for (let j = -r; j <= r; j++)
              acc += k[i + r] * k[j + r] * field[clamp(y + i, h) * w + clamp(x + j, w)];
          }
          direct[y * w + x] = acc;
        }
      }
      const blurred = field.slice();
      gaussianBlur(sigma)(blurred, h, w);
      for (let i = 0; i < h * w; i++) expect(blurred[i]).toBeCloseTo(direct[i], 5);
    },
  );
});

describe('grid distortion maps', () => {
  it.each([
    [64, 5, 0.3],
    [7, 5, 0.9],
    [3, 8, 0.5],
  ])('n=%i steps=%i limit=%f: ends fixed, strictly increasing', (n, steps, limit) => {
    for (let seed = 0; seed < 20; seed++) {
      const out = new Float32Array(n);
      gridAxis(out, n, steps, limit, new Rng(seed));
      expect(out[0]).toBe(0);
      expect(out[n - 1]).toBeCloseTo(n - 1, 4);
      for (let x = 1; x < n; x++) expect(out[x]).toBeGreaterThan(out[x - 1]);
    }
  });

  it('limit 0 is the identity map', () => {
    const out = new Float32Array(50);
    gridAxis(out, 50, 5, 0, new Rng(1));
    for (let x = 0; x < 50; x++) expect(out[x]).toBeCloseTo(x, 5);
  });
});

describe('probability', () => {
  const img = noise(6, 6, 1, 3);
  const specs = [
    { kind: 'hflip' },
    { kind: 'vflip' },
    { kind: 'rotate', degrees: 15 },
    { kind: 'elastic', sigma: 1 },
    { kind: 'gridDistortion' },
  ] as const;

  /** How many of `n` samples `t` fires on, checking that a skipped sample leaves dst untouched. */
  function fired(t: Transform, n: number): number {
    const dst = new Float32Array(img.data.length);
    let count = 0;
    let touched = 0;
    for (let i = 0; i < n; i++) {
      dst.fill(-1);
      if (t.applyInto(img.data, dst, shapeOf(img), sampleRng(99, i))) count++;
      else if (dst.some((v) => v !== -1)) touched++;
    }
    expect(touched).toBe(0);
    return count;
  }

  it.each(specs)('$kind fires with probability p (binomial bounds over 2,000 draws)', (spec) => {
    const n = 2000;
    for (const p of [0.1, 0.7]) {
      const sd = Math.sqrt(n * p * (1 - p));
      const k = fired(createTransform({ ...spec, p }), n);
      expect(Math.abs(k - n * p)).toBeLessThan(4.5 * sd);
    }
    expect(fired(createTransform({ ...spec, p: 0 }), 200)).toBe(0);
    expect(fired(createTransform({ ...spec, p: 1 }), 200)).toBe(200);
    expect(createTransform(spec).p).toBe(DEFAULT_P);
  });
});

describe('registry and input checks', () => {
  const invert = z.strictObject({ kind: z.literal('invert'), p: z.number().default(1) });

  it('refuses a duplicate kind, built-in or new, and builds a registered one', () => {
    const entry = defineTransformKind('invert', invert, () => (src, dst) => {
      for (let i = 0; i < src.length; i++) dst[i] = 1 - src[i];
    });
    expect(() => registerTransform({ ...entry, kind: 'hflip' })).toThrow(/"hflip" is already registered/);
    expect(() => registerTransform({ ...entry, kind: '../x' })).toThrow(
      /transform kind name "\.\.\/x" must be/,
    );
    registerTransform(entry);
    expect(() => registerTransform(entry)).toThrow(/"invert" is already registered/);
    expect(transformKinds()).toEqual(['hflip', 'vflip', 'rotate', 'elastic', 'gridDistortion', 'invert']);
    const out = createTransform({ kind: 'invert' }).apply(
      { data: Float32Array.of(0.25, 1), dims: [1, 2, 1] },
      1,
    );
    expect([...out.data]).toEqual([0.75, 0]);
  });

  it.each([
    [
      { kind: 'blur' },
      /kind: unknown transform kind "blur" \(known: hflip, vflip, rotate, elastic, gridDistortion/,
    ],
    [{ kind: 'hflip', p: 1.5 }, /p: p must be between 0 and 1/],
    [{ kind: 'vflip', p: -0.1 }, /p: p must be between 0 and 1/],
    [{ kind: 'elastic', sigma: 0 }, /sigma: sigma must be > 0/],
    [{ kind: 'gridDistortion', distortLimit: 1 }, /distortLimit must be in \[0, 1\)/],
    [{ kind: 'rotate', degrees: [10, -10] }, /lo <= hi/],
    [{ kind: 'rotate', angle: 10 }, /Unrecognized key: "angle"/],
  ])('refuses %j', (spec, message) => {
    expect(() => createTransform(spec)).toThrow(message);
  });

  it('refuses a tensor that is not [H, W, C] or [N, H, W, C] or whose data does not match', () => {
    const t = createTransform({ kind: 'hflip', p: 1 });
    const errors = [
      { data: new Float32Array(16), dims: [4, 4] },
      { data: new Float32Array(15), dims: [4, 4, 1] },
      { data: new Float32Array(0), dims: [0, 4, 4, 1] },
    ].map((bad) => {
      try {
        t.apply(bad, 1);
        return null;
      } catch (err) {
        return err;
      }
    });
    for (const err of errors) expect(isSketchboardError(err, 'invalid_argument')).toBe(true);
  });
});
