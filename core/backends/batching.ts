// Runs any batch of N rows through a model whose batch dimension may be fixed: chunk, pad the last chunk, trim.
import { SketchboardError } from '../errors.js';
import type { Tensor } from './types.js';

/** Runs one chunk whose first dimension equals the chunk size asked for; returns the model's output. */
export type ChunkRunner = (chunk: Tensor) => Promise<Tensor>;

/** Number of elements in a tensor of the given dims. */
export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Checks that `input` fits the model's declared input dims (null = dynamic) and that its data length
 * matches its dims. The batch dimension (index 0) is not compared: batching handles it.
 *
 * @example
 * checkInput({ data: new Float32Array(2 * 3 * 8 * 8), dims: [2, 3, 8, 8] }, [1, 3, 8, 8]); // ok
 */
export function checkInput(input: Tensor, declared: readonly (number | null)[]): void {
  const { dims, data } = input;
  if (dims.length !== declared.length) {
    throw new SketchboardError(
      'invalid_argument',
      `input has dims [${dims.join(', ')}] but the model expects rank ${declared.length} ` +
        `[${declared.map((d) => d ?? '?').join(', ')}]`,
    );
  }
  if (!dims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new SketchboardError(
      'invalid_argument',
      `input dims must be positive integers, got [${dims.join(', ')}]`,
    );
  }
  for (let i = 1; i < dims.length; i++) {
    const want = declared[i];
    if (want !== null && want !== dims[i]) {
      throw new SketchboardError(
        'invalid_argument',
        `input dim ${i} is ${dims[i]} but the model expects ${want} ` +
          `(model input [${declared.map((d) => d ?? '?').join(', ')}])`,
      );
    }
  }
  if (data.length !== sizeOf(dims)) {
    throw new SketchboardError(
      'invalid_argument',
      `input data has ${data.length} values but dims [${dims.join(', ')}] need ${sizeOf(dims)}`,
    );
  }
}

function checkOutput(out: Tensor, rows: number): number {
  if (out.dims.length < 1 || out.dims[0] !== rows || out.data.length !== sizeOf(out.dims)) {
    throw new SketchboardError(
      'model_output',
      `model returned dims [${out.dims.join(', ')}] (${out.data.length} values) for a batch of ${rows}`,
    );
  }
  return out.data.length / rows;
}

/**
 * Runs `input` (dims [N, ...]) through `run`. With `fixedBatch` null the whole batch goes in one call;
 * otherwise it is fed in chunks of exactly `fixedBatch` rows, the last chunk zero-padded, and the output
 * rows belonging to padding dropped. Returns dims [N, ...outputRest].
 *
 * @example
 * // a model exported with batch 1, run over 7 images
 * const out = await runBatched({ data, dims: [7, 3, 224, 224] }, 1, (chunk) => session.run(chunk));
 * out.dims; // [7, 500]
 */
export async function runBatched(
  input: Tensor,
  fixedBatch: number | null,
  run: ChunkRunner,
): Promise<Tensor> {
  const n = input.dims[0];
  if (!Number.isInteger(n) || n < 1) {
    throw new SketchboardError('invalid_argument', `batch size must be >= 1, got ${n}`);
  }
  if (fixedBatch === null || fixedBatch === n) {
    const out = await run(input);
    checkOutput(out, n);
    return out;
  }
  if (!Number.isInteger(fixedBatch) || fixedBatch < 1) {
    throw new SketchboardError('invalid_model', `fixed batch dimension must be >= 1, got ${fixedBatch}`);
  }
  const rowIn = input.data.length / n;
  const chunkDims = [fixedBatch, ...input.dims.slice(1)];
  let result: Float32Array | null = null;
  let outRest: number[] = [];
  let rowOut = 0;
  for (let start = 0; start < n; start += fixedBatch) {
    const count = Math.min(fixedBatch, n - start);
    const chunkData =
      count === fixedBatch
        ? input.data.subarray(start * rowIn, (start + count) * rowIn)
        : padRows(input.data.subarray(start * rowIn, (start + count) * rowIn), fixedBatch * rowIn);
    const out = await run({ data: chunkData, dims: chunkDims });
    const thisRow = checkOutput(out, fixedBatch);
    if (result === null) {
      rowOut = thisRow;
      outRest = out.dims.slice(1);
      result = new Float32Array(n * rowOut);
    } else if (thisRow !== rowOut) {
      throw new SketchboardError(
        'model_output',
        `model output rows changed size between chunks (${rowOut} → ${thisRow})`,
      );
    }
    result.set(out.data.subarray(0, count * rowOut), start * rowOut);
  }
  return { data: result ?? new Float32Array(0), dims: [n, ...outRest] };
}

function padRows(rows: Float32Array, length: number): Float32Array {
  const padded = new Float32Array(length);
  padded.set(rows);
  return padded;
}
