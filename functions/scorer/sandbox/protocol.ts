// The supervisor ↔ runner contract: IPC messages (zod-checked on arrival) and the binary result file.
import { type FileHandle, open } from 'node:fs/promises';
import { z } from 'zod';
import { frameHead } from '../../../core/data/io.js';

/** Runtime options the server fixes for every run; a bundle cannot set them. */
export const runOptionsSchema = z.strictObject({
  batchSize: z.number().int().min(1).max(4096),
  executionProviders: z.array(z.enum(['cuda', 'cpu'])).min(1),
  threads: z.number().int().min(1).max(1024).optional(),
});
export type RunOptions = z.infer<typeof runOptionsSchema>;

/**
 * The one message the supervisor sends: what to run and where to write. Nothing else ever crosses
 * to the child: no labels, no split, no database or blob credentials.
 */
export const startMessageSchema = z.strictObject({
  type: z.literal('start'),
  bundlePath: z.string().min(1),
  images: z.array(z.string().min(1)).min(1),
  resultPath: z.string().min(1),
  options: runOptionsSchema,
  /** Leaf ids to infer (the ones the prediction cache lacks); absent = every leaf. Only their models are loaded. */
  only: z.array(z.string().min(1).max(500)).min(1).max(10_000).optional(),
});
export type StartMessage = z.infer<typeof startMessageSchema>;

const stampSchema = z.strictObject({
  runtime: z.enum(['onnxruntime', 'tfjs']),
  backend: z.string().max(200),
  version: z.string().max(200),
});

/** Messages the runner sends back. Unknown shapes are dropped by the supervisor. */
export const runnerMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({
    type: z.literal('progress'),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
  z.strictObject({
    type: z.literal('done'),
    resultPath: z.string(),
    runtime: z.array(stampSchema).max(1000),
    /** Library versions as the child loaded them (runtimeVersions() plus node). */
    versions: z.record(z.string().max(100), z.string().max(200)),
    predictSeconds: z.number().nonnegative(),
  }),
  z.strictObject({
    type: z.literal('error'),
    /** A core ErrorCode or 'crash' for anything untyped. */
    code: z.string().max(64),
    /** Team-readable, one line, no stack trace. */
    message: z.string().max(2000),
  }),
]);
export type RunnerMessage = z.infer<typeof runnerMessageSchema>;

/**
 * What the runner computed: each inferred leaf's probability table (N×classes, TTA-averaged, soft-maxed),
 * keyed by leaf id, and the files each of their models references (plain names beside the model).
 */
export type RunnerResult = {
  classes: number;
  count: number;
  leaves: { id: string; model: string }[];
  tables: Map<string, Float32Array>;
  refs: Record<string, string[]>;
};

const MAGIC = 'SKBR';
/** 2: per-leaf tables instead of the voted scores (the scorer votes, with cached leaves). */
const VERSION = 2;

/**
 * Write a result file: `SKBR`, u32 version, u32 header length, JSON header (padded to 4 bytes), then one
 * float32 N×C table per leaf in the header's order, little-endian.
 */
export async function writeResultFile(path: string, result: RunnerResult): Promise<void> {
  const header = { classes: result.classes, count: result.count, leaves: result.leaves, refs: result.refs };
  const fh = await open(path, 'w');
  try {
    await fh.write(frameHead(MAGIC, VERSION, header));
    for (const leaf of result.leaves) {
      const t = result.tables.get(leaf.id);
      if (!t || t.length !== result.count * result.classes)
        throw new Error(`no full table for leaf ${leaf.id}`);
      await fh.write(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
    }
  } finally {
    await fh.close();
  }
}

const headerSchema = z.strictObject({
  classes: z.number().int().min(1).max(1_000_000),
  count: z.number().int().min(0),
  leaves: z.array(z.strictObject({ id: z.string().max(500), model: z.string().max(1000) })).max(10_000),
  refs: z.record(z.string().max(1000), z.array(z.string().min(1).max(255)).max(100_000)),
});

/**
 * Read and check a result file against the expected image and class counts and the leaves asked for
 * (`leaves`: exactly these ids, in any order). Throws a plain Error naming the defect when the file is
 * malformed (the supervisor maps that to a bundle failure). Tables are read straight into their arrays.
 */
export async function readResultFile(
  path: string,
  expected: { count: number; classes: number; leaves?: readonly string[] },
): Promise<RunnerResult> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(12);
    if (size >= 12) await readFully(fh, head, 0);
    if (size < 12 || head.toString('ascii', 0, 4) !== MAGIC || head.readUInt32LE(4) !== VERSION) {
      throw new Error('result file has no valid header');
    }
    const jsonLen = head.readUInt32LE(8);
    if (12 + jsonLen > size || jsonLen > 64 * 1024 * 1024) throw new Error('result file header is truncated');
    const json = Buffer.alloc(jsonLen);
    await readFully(fh, json, 12);
    const header = headerSchema.parse(JSON.parse(json.toString('utf8')));
    const { count, classes, leaves } = header;
    if (count !== expected.count) throw new Error(`result has ${count} rows, expected ${expected.count}`);
    if (classes !== expected.classes)
      throw new Error(`result has ${classes} classes, expected ${expected.classes}`);
    const ids = leaves.map((l) => l.id);
    if (expected.leaves && [...ids].sort().join('\n') !== [...expected.leaves].sort().join('\n')) {
      throw new Error(`result has leaves [${ids.join(', ')}], expected [${expected.leaves.join(', ')}]`);
    }
    if (new Set(ids).size !== ids.length) throw new Error('result names a leaf twice');
    const need = 12 + jsonLen + 4 * count * classes * leaves.length;
    if (size !== need) throw new Error(`result file is ${size} bytes, expected ${need}`);
    const tables = new Map<string, Float32Array>();
    let at = 12 + jsonLen;
    for (const leaf of leaves) {
      const table = new Float32Array(count * classes);
      await readFully(fh, new Uint8Array(table.buffer), at);
      at += table.byteLength;
      tables.set(leaf.id, table);
    }
    return { classes, count, leaves, tables, refs: header.refs };
  } finally {
    await fh.close();
  }
}

/** Fill `into` from the file at `position` (a single read may return less than asked for). */
async function readFully(fh: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const chunk = Math.min(into.length - done, 1 << 30);
    const { bytesRead } = await fh.read(into, done, chunk, position + done);
    if (bytesRead === 0) throw new Error('result file ended early');
    done += bytesRead;
  }
}
