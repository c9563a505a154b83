// The prediction cache: each scored leaf's N×classes probability table in the blob store, keyed by what determines it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { RuntimeStamp } from '../../core/backends/types.js';
import { frameHead } from '../../core/data/io.js';
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { type BlobStore, modelRefsKey, predictionKey } from './blob.js';

/** A JSON value the key is built from. */
export type KeyValue = string | number | boolean | null | KeyValue[] | { [k: string]: KeyValue };

/** A cache key: the canonical JSON of its parts and that JSON's sha256 (the blob name). */
export type CacheKey = { json: string; hex: string };

/** The shape every entry of one scoring run has: one row per test image, one column per class. */
export type TableShape = { rows: number; classes: number };

/** A cached table and the runtime that computed it. */
export type CachedTable = { table: Float32Array; runtime: RuntimeStamp | null };

/** Looks up and stores leaf tables; a corrupt or mismatching entry is a miss (logged), never a wrong table. */
export type PredictionCache = {
  get(key: CacheKey, shape: TableShape): Promise<CachedTable | null>;
  put(key: CacheKey, table: Float32Array, shape: TableShape, runtime?: RuntimeStamp): Promise<void>;
  /** The files a model (by sha256) references, as recorded when it was first scored; null when unknown. */
  getRefs(modelSha256: string): Promise<string[] | null>;
  putRefs(modelSha256: string, refs: string[]): Promise<void>;
};

const MAGIC = 'SKPC';
const VERSION = 1;
const DTYPE = 'float32';

/** JSON with object keys sorted at every level, so equal parts always give the same bytes. */
export function canonicalJson(value: KeyValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The cache key of a leaf's key parts (canonical JSON + its sha256).
 *
 * @example
 * const key = cacheKey({ model: { sha256 }, outputName: null, input: inputKey(spec), ... });
 */
export function cacheKey(parts: KeyValue): CacheKey {
  const json = canonicalJson(parts);
  return { json, hex: createHash('sha256').update(json).digest('hex') };
}

/**
 * One entry's bytes: `SKPC`, u32 version, u32 header length, JSON header (rows, classes, dtype, crc32 of
 * the payload, the key JSON, the runtime that computed it; padded to 4 bytes), then the float32 table,
 * little-endian.
 */
export function encodeEntry(
  key: CacheKey,
  table: Float32Array,
  shape: TableShape,
  runtime: RuntimeStamp | null = null,
): Buffer {
  if (table.length !== shape.rows * shape.classes) {
    throw new Error(`table has ${table.length} values, expected ${shape.rows}×${shape.classes}`);
  }
  const payload = new Uint8Array(table.buffer, table.byteOffset, table.byteLength);
  const header = {
    rows: shape.rows,
    classes: shape.classes,
    dtype: DTYPE,
    crc32: crc32(payload),
    key: key.json,
    runtime,
  };
  return Buffer.concat([frameHead(MAGIC, VERSION, header), payload]);
}

/**
 * The table in an entry, or the reason it cannot be used (bad magic or version, another key, another
 * shape, truncated, checksum mismatch).
 */
export function decodeEntry(buf: Buffer, key: CacheKey, shape: TableShape): CachedTable | string {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== MAGIC) return 'no valid header';
  if (buf.readUInt32LE(4) !== VERSION) return `version ${buf.readUInt32LE(4)}, expected ${VERSION}`;
  const jsonLen = buf.readUInt32LE(8);
  if (12 + jsonLen > buf.length) return 'header truncated';
  let header: {
    rows?: unknown;
    classes?: unknown;
    dtype?: unknown;
    crc32?: unknown;
    key?: unknown;
    runtime?: RuntimeStamp | null;
  };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + jsonLen));
  } catch {
    return 'header is not JSON';
  }
  if (header.key !== key.json) return 'key differs from the one asked for';
  if (header.dtype !== DTYPE) return `dtype ${String(header.dtype)}`;
  if (header.rows !== shape.rows || header.classes !== shape.classes) {
    return `shape ${String(header.rows)}×${String(header.classes)}, expected ${shape.rows}×${shape.classes}`;
  }
  const start = 12 + jsonLen;
  const bytes = 4 * shape.rows * shape.classes;
  if (buf.length !== start + bytes) return `${buf.length} bytes, expected ${start + bytes}`;
  const payload = buf.subarray(start);
  if (crc32(payload) !== header.crc32) return 'checksum mismatch';
  const runtime = header.runtime ?? null;
  // A view when the payload is 4-byte aligned (a fresh readFile buffer is), else a copy.
  if ((buf.byteOffset + start) % 4 === 0) {
    return { table: new Float32Array(buf.buffer, buf.byteOffset + start, bytes / 4), runtime };
  }
  const table = new Float32Array(bytes / 4);
  Buffer.from(table.buffer).set(payload);
  return { table, runtime };
}

/** The whole object as one buffer (a local path is read directly). */
async function readBlob(blobs: BlobStore, key: string): Promise<Buffer | null> {
  if (!(await blobs.exists(key))) return null;
  if (blobs.getPath) {
    return readFile(await blobs.getPath(key));
  }
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.getStream(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const REF = /^[^\0]{1,1000}$/;

/**
 * The prediction cache over a blob store (`predictions/` keys). Reads never throw: anything unreadable
 * is a miss, logged with its reason.
 *
 * @example
 * const cache = createPredictionCache(blobs);
 * const table = await cache.get(key, { rows: images.length, classes }); // null = infer it
 */
export function createPredictionCache(blobs: BlobStore): PredictionCache {
  return {
    async get(key, shape) {
      const blobKey = predictionKey(key.hex);
      try {
        const buf = await readBlob(blobs, blobKey);
        if (!buf) return null;
        const entry = decodeEntry(buf, key, shape);
        if (typeof entry !== 'string') return entry;
        log.warn('prediction cache: unusable entry, treated as a miss', { key: blobKey, reason: entry });
      } catch (err) {
        log.warn('prediction cache: read failed, treated as a miss', {
          key: blobKey,
          error: errorMessage(err),
        });
      }
      return null;
    },
    async put(key, table, shape, runtime) {
      const bytes = encodeEntry(key, table, shape, runtime);
      await blobs.putStream(predictionKey(key.hex), Readable.from([bytes]));
    },
    async getRefs(modelSha256) {
      try {
        const buf = await readBlob(blobs, modelRefsKey(modelSha256));
        if (!buf) return null;
        const refs: unknown = JSON.parse(buf.toString('utf8'));
        if (Array.isArray(refs) && refs.every((r): r is string => typeof r === 'string' && REF.test(r)))
          return refs;
        log.warn('prediction cache: unusable model references, treated as a miss', { model: modelSha256 });
      } catch (err) {
        log.warn('prediction cache: model references unreadable', {
          model: modelSha256,
          error: errorMessage(err),
        });
      }
      return null;
    },
    async putRefs(modelSha256, refs) {
      const json = Buffer.from(JSON.stringify([...refs].sort()));
      await blobs.putStream(modelRefsKey(modelSha256), Readable.from([json]));
    },
  };
}
