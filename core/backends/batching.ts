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

function checkOutput(out: Tensor, rows: number, name: string): number {
  if (out.dims.length < 1 || out.dims[0] !== rows || out.data.length !== sizeOf(out.dims)) {
    throw new SketchboardError(
      'model_output',
      `model returned dims [${out.dims.join(', ')}] (${out.data.length} values)${name ? ` for output ${name}` : ''} ` +
        `for a batch of ${rows}`,
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
  const outs = await runBatchedOutputs(input, fixedBatch, async (chunk) => new Map([['', await run(chunk)]]));
  return outs.get('')!;
}

/** Runs one chunk and returns several named outputs, each with the chunk's rows first. */
export type MultiChunkRunner = (chunk: Tensor) => Promise<Map<string, Tensor>>;

/** One output being assembled across chunks. */
type Assembly = { data: Float32Array; rest: number[]; row: number };

/**
 * runBatched for a model run that returns several named outputs at once: every chunk is run once, and
 * each output is assembled (padding rows dropped) into dims [N, ...its own rest]. Every chunk must
 * return the same names with the same row sizes.
 *
 * @example
 * const outs = await runBatchedOutputs(batch, 1, (chunk) => runTwoHeads(chunk));
 * outs.get('fold0')!.dims; // [7, 500]
 */
export async function runBatchedOutputs(
  input: Tensor,
  fixedBatch: number | null,
  run: MultiChunkRunner,
): Promise<Map<string, Tensor>> {
  const n = input.dims[0];
  if (!Number.isInteger(n) || n < 1) {
    throw new SketchboardError('invalid_argument', `batch size must be >= 1, got ${n}`);
  }
  if (fixedBatch === null || fixedBatch === n) {
    const outs = await run(input);
    for (const [name, out] of outs) checkOutput(out, n, name);
    return outs;
  }
  if (!Number.isInteger(fixedBatch) || fixedBatch < 1) {
    throw new SketchboardError('invalid_model', `fixed batch dimension must be >= 1, got ${fixedBatch}`);
  }
  const rowIn = input.data.length / n;
  const chunkDims = [fixedBatch, ...input.dims.slice(1)];
  const built = new Map<string, Assembly>();
  for (let start = 0; start < n; start += fixedBatch) {
    const count = Math.min(fixedBatch, n - start);
    const rows = input.data.subarray(start * rowIn, (start + count) * rowIn);
    const chunkData = count === fixedBatch ? rows : padRows(rows, fixedBatch * rowIn);
    const outs = await run({ data: chunkData, dims: chunkDims });
    if (start > 0 && (outs.size !== built.size || [...outs.keys()].some((k) => !built.has(k)))) {
      throw new SketchboardError('model_output', 'model returned different outputs for different chunks');
    }
    for (const [name, out] of outs) {
      const row = checkOutput(out, fixedBatch, name);
      let a = built.get(name);
      if (!a) {
        a = { data: new Float32Array(n * row), rest: out.dims.slice(1), row };
        built.set(name, a);
      } else if (row !== a.row) {
        throw new SketchboardError(
          'model_output',
          `model output rows changed size between chunks (${a.row} → ${row})`,
        );
      }
      a.data.set(out.data.subarray(0, count * row), start * row);
    }
  }
  return new Map([...built].map(([name, a]) => [name, { data: a.data, dims: [n, ...a.rest] }]));
}

function padRows(rows: Float32Array, length: number): Float32Array {
  const padded = new Float32Array(length);
  padded.set(rows);
  return padded;
}

/**
 * Refuses a request for outputs the model lacks (SketchboardError 'invalid_model' naming the missing one and
 * listing the model's outputs), a repeated name, or no name at all.
 *
 * @example
 * checkOutputNames(['fold3'], ['fold0', 'fold1']); // throws: no output "fold3"; it has fold0, fold1
 */
export function checkOutputNames(names: readonly string[], available: readonly string[]): void {
  if (names.length === 0) throw new SketchboardError('invalid_argument', 'no output names asked for');
  const seen = new Set<string>();
  for (const name of names) {
    if (!available.includes(name)) {
      throw new SketchboardError(
        'invalid_model',
        `the model has no output "${name}"; its outputs are ${available.join(', ') || 'none'}`,
      );
    }
    if (seen.has(name)) throw new SketchboardError('invalid_argument', `output "${name}" asked for twice`);
    seen.add(name);
  }
}
