// Test fixtures shared by the backend suites: one tiny conv net's weights, its reference maths, temp bundles.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { LoadedModel } from '../../core/backends/types.js';

/**
 * The reference net: input 1×4×4 (one channel, so NCHW and NHWC share a memory layout), Conv 3×3 → 2
 * channels + bias, ReLU, flatten (2×2×2 = 8), dense → 3, softmax. Weights are k/32 for small integers k,
 * exact in float16 and in uint8/uint16 with scale 1/32 and min -0.5.
 */
const q = (i: number, mult: number, add: number) => (((i * mult + add) % 32) - 16) / 32;

/** convW[o][kh][kw], 2×3×3. */
export const convW = Array.from({ length: 2 }, (_, o) =>
  Array.from({ length: 3 }, (_, h) => Array.from({ length: 3 }, (_, w) => q(o * 9 + h * 3 + w, 7, 3))),
);
export const convB = [q(1, 5, 1), q(2, 5, 1)];
/** fcW[k][c][i][j], 3×2×2×2: class k, conv channel c, position (i, j). */
export const fcW = Array.from({ length: 3 }, (_, k) =>
  Array.from({ length: 2 }, (_, c) =>
    Array.from({ length: 2 }, (_, i) =>
      Array.from({ length: 2 }, (_, j) => q(k * 8 + c * 4 + i * 2 + j, 11, 5)),
    ),
  ),
);
export const fcB = [q(0, 3, 2), q(1, 3, 2), q(2, 3, 2)];

/** Reference forward pass in float64: `x` holds n images of 4×4, returns n×3 probabilities. */
export function referenceForward(x: Float32Array, n: number): Float64Array {
  const out = new Float64Array(n * 3);
  for (let b = 0; b < n; b++) {
    const img = (i: number, j: number) => x[b * 16 + i * 4 + j];
    const feat = (c: number, i: number, j: number) => {
      let s = convB[c];
      for (let kh = 0; kh < 3; kh++)
        for (let kw = 0; kw < 3; kw++) s += convW[c][kh][kw] * img(i + kh, j + kw);
      return Math.max(0, s);
    };
    const logits = fcB.map((bias, k) => {
      let s = bias;
      for (let c = 0; c < 2; c++)
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) s += fcW[k][c][i][j] * feat(c, i, j);
      return s;
    });
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, e) => a + e, 0);
    exps.forEach((e, k) => {
      out[b * 3 + k] = e / sum;
    });
  }
  return out;
}

/** `n` images of 4×4 with seeded values in [-1, 3) (wide enough that ReLU cuts some features). */
export function sampleImages(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n * 16 }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 1;
  });
}

/** Largest absolute difference between two arrays of equal length (Infinity when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Little-endian bytes of float32 values. */
export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Float16 bits of a value exactly representable in float16 (normal range or zero). */
export function toFloat16Bits(v: number): number {
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const exp = Math.floor(Math.log2(a));
  const mantissa = Math.round((a / 2 ** exp - 1) * 1024);
  if (exp < -14 || exp > 15 || (a / 2 ** exp - 1) * 1024 !== mantissa)
    throw new Error(`${v} is not exact in float16`);
  return sign | ((exp + 15) << 10) | mantissa;
}

const made: string[] = [];

/** Writes `files` (bundle-relative path → bytes or text) into a fresh temp folder and returns it. */
export async function tempBundle(files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-backends-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return dir;
}

/** Removes every folder tempBundle made. Call from afterAll. */
export async function removeTempBundles(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/**
 * Run `n` sample images (`seed`) through `model`, NCHW [n,1,4,4] or NHWC [n,4,4,1], and expect the reference
 * forward pass within 1e-5.
 */
export async function expectReferenceRun(
  model: LoadedModel,
  n: number,
  seed = 1,
  layout: 'NCHW' | 'NHWC' = 'NCHW',
): Promise<void> {
  const x = sampleImages(n, seed);
  const dims = layout === 'NCHW' ? [n, 1, 4, 4] : [n, 4, 4, 1];
  expect(maxAbsDiff((await model.run({ data: x, dims })).data, referenceForward(x, n))).toBeLessThan(1e-5);
}
