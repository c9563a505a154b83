// The supervisor ↔ runner contract: IPC messages (zod-checked on arrival) and the binary result file.
import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';

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

/** What the runner computed: scores N×C and each ensemble member's argmax per image. */
export type RunnerResult = {
  classes: number;
  count: number;
  scores: Float32Array;
  predictions: Int32Array;
  members: { id: string; model: string; predictions: Int32Array }[];
};

const MAGIC = 'SKBR';
const VERSION = 1;

/**
 * Write a result file: `SKBR`, u32 version, u32 header length, JSON header (padded to 4 bytes),
 * then float32 scores N×C, int32 predictions N and int32 predictions N per member, little-endian.
 */
export async function writeResultFile(path: string, result: RunnerResult): Promise<void> {
  const header = {
    classes: result.classes,
    count: result.count,
    members: result.members.map(({ id, model }) => ({ id, model })),
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - (json.length % 4)) % 4;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'ascii');
  head.writeUInt32LE(VERSION, 4);
  head.writeUInt32LE(json.length, 8);
  const fh = await open(path, 'w');
  try {
    await fh.write(head);
    await fh.write(json);
    await fh.write(view(result.scores));
    await fh.write(view(result.predictions));
    for (const m of result.members) await fh.write(view(m.predictions));
  } finally {
    await fh.close();
  }
}

function view(a: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

const headerSchema = z.strictObject({
  classes: z.number().int().min(1).max(1_000_000),
  count: z.number().int().min(0),
  members: z.array(z.strictObject({ id: z.string().max(500), model: z.string().max(1000) })).max(10_000),
});

/**
 * Read and check a result file against the expected image and class counts. Throws a plain Error
 * naming the defect when the file is malformed (the supervisor maps that to a bundle failure).
 */
export async function readResultFile(
  path: string,
  expected: { count: number; classes: number },
): Promise<RunnerResult> {
  const buf = await readFile(path);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== MAGIC || buf.readUInt32LE(4) !== VERSION) {
    throw new Error('result file has no valid header');
  }
  const jsonLen = buf.readUInt32LE(8);
  if (12 + jsonLen > buf.length) throw new Error('result file header is truncated');
  const header = headerSchema.parse(JSON.parse(buf.toString('utf8', 12, 12 + jsonLen)));
  const { count, classes } = header;
  if (count !== expected.count) throw new Error(`result has ${count} rows, expected ${expected.count}`);
  if (classes !== expected.classes)
    throw new Error(`result has ${classes} classes, expected ${expected.classes}`);
  const need = 12 + jsonLen + 4 * (count * classes + count * (1 + header.members.length));
  if (buf.length !== need) throw new Error(`result file is ${buf.length} bytes, expected ${need}`);
  // Copy into fresh, aligned arrays; the file buffer may not be 4-byte aligned.
  let at = 12 + jsonLen;
  const take = <T extends Float32Array | Int32Array>(make: (n: number) => T, n: number): T => {
    const out = make(n);
    Buffer.from(out.buffer).set(buf.subarray(at, at + 4 * n));
    at += 4 * n;
    return out;
  };
  const scores = take((n) => new Float32Array(n), count * classes);
  const predictions = take((n) => new Int32Array(n), count);
  const members = header.members.map((m) => ({ ...m, predictions: take((n) => new Int32Array(n), count) }));
  return { classes, count, scores, predictions, members };
}
