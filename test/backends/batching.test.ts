// runBatched / checkInput: chunk sizes, zero padding, trimming and the errors on bad shapes.
import { describe, expect, it } from 'vitest';
import { checkInput, runBatched } from '../../core/backends/batching.js';
import type { Tensor } from '../../core/backends/types.js';
import { isSketchboardError } from '../../core/errors.js';

/** A "model" over rows of 2 values returning [sum, row index in chunk] per row, recording each chunk. */
function recorder() {
  const chunks: { rows: number; data: number[] }[] = [];
  const run = async (chunk: Tensor): Promise<Tensor> => {
    const rows = chunk.dims[0];
    chunks.push({ rows, data: [...chunk.data] });
    const out = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      out[r * 2] = chunk.data[r * 2] + chunk.data[r * 2 + 1];
      out[r * 2 + 1] = r;
    }
    return { data: out, dims: [rows, 2] };
  };
  return { chunks, run };
}

function rowsOf(n: number): Tensor {
  return { data: Float32Array.from({ length: n * 2 }, (_, i) => i + 1), dims: [n, 2] };
}

describe('runBatched', () => {
  it('passes a dynamic batch through in one call', async () => {
    const { chunks, run } = recorder();
    const out = await runBatched(rowsOf(5), null, run);
    expect(chunks.map((c) => c.rows)).toEqual([5]);
    expect(out.dims).toEqual([5, 2]);
  });

  it.each([
    [1, 1, [1]],
    [3, 1, [1, 1, 1]],
    [7, 1, [1, 1, 1, 1, 1, 1, 1]],
    [7, 4, [4, 4]],
    [8, 4, [4, 4]],
    [3, 4, [4]],
  ])('N=%i with a fixed batch of %i runs chunks %j and trims to N', async (n, fixed, sizes) => {
    const { chunks, run } = recorder();
    const out = await runBatched(rowsOf(n), fixed, run);
    expect(chunks.map((c) => c.rows)).toEqual(sizes);
    expect(out.dims).toEqual([n, 2]);
    for (let r = 0; r < n; r++) {
      expect(out.data[r * 2]).toBe(2 * r + 1 + 2 * r + 2);
      expect(out.data[r * 2 + 1]).toBe(r % fixed);
    }
  });

  it('zero-pads the last chunk', async () => {
    const { chunks, run } = recorder();
    await runBatched(rowsOf(5), 4, run);
    expect(chunks[1].data).toEqual([9, 10, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses an output whose batch does not match the chunk', async () => {
    const bad = async (): Promise<Tensor> => ({ data: new Float32Array(3), dims: [3] });
    const err = await runBatched(rowsOf(2), 1, bad).catch((e: unknown) => e);
    expect(isSketchboardError(err, 'model_output'), String(err)).toBe(true);
    const err2 = await runBatched(rowsOf(2), null, async () => ({
      data: new Float32Array(2),
      dims: [1, 2],
    })).catch((e: unknown) => e);
    expect(isSketchboardError(err2, 'model_output'), String(err2)).toBe(true);
  });
});

describe('checkInput', () => {
  it('accepts any batch and matching fixed dims', () => {
    expect(() =>
      checkInput({ data: new Float32Array(2 * 48), dims: [2, 3, 4, 4] }, [1, 3, 4, 4]),
    ).not.toThrow();
    expect(() =>
      checkInput({ data: new Float32Array(48), dims: [1, 3, 4, 4] }, [null, null, null, null]),
    ).not.toThrow();
  });

  it.each([
    [[2, 3, 4], 'rank 4'],
    [[2, 1, 4, 4], 'dim 1 is 1'],
    [[0, 3, 4, 4], 'positive integers'],
  ])('refuses dims %j', (dims, message) => {
    const data = new Float32Array(
      Math.max(
        1,
        dims.reduce((a, b) => a * b, 1),
      ),
    );
    expect(() => checkInput({ data, dims }, [null, 3, 4, 4])).toThrow(message);
  });

  it('refuses data of the wrong length', () => {
    expect(() => checkInput({ data: new Float32Array(47), dims: [1, 3, 4, 4] }, [null, 3, 4, 4])).toThrow(
      '47 values',
    );
  });
});
