// Blob storage for bundles and outputs: the BlobStore interface and the keys objects live under.
import type { Readable } from 'node:stream';
import { ServiceError } from '../services/errors.js';

/**
 * Where bundles and outputs live. Keys are relative, `/`-separated, lower-case ASCII (see {@link isBlobKey}).
 * Every write is atomic: a reader sees the old object, the whole new one, or nothing.
 * Implementations: `createLocalBlobStore` (local.ts, the default) and `createS3BlobStore` (s3.ts);
 * `createBlobStore` (index.ts) picks one from the environment.
 */
export interface BlobStore {
  /** Stores a copy of the file at `srcPath` under `key`. */
  putFile(key: string, srcPath: string): Promise<void>;
  /** Stores everything `source` yields under `key`; returns the byte count. */
  putStream(key: string, source: Readable | AsyncIterable<Uint8Array>): Promise<{ bytes: number }>;
  /** A stream of the object; `not_found` when there is none. */
  getStream(key: string): Promise<Readable>;
  /** A local file path of the object, when the store keeps one (readers must not modify it). */
  getPath?(key: string): Promise<string>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /** Releases connections (S3); the local store holds none. */
  dispose?(): void;
}

const KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** True for keys like `bundles/<sha256>.zip`: no `..`, no leading `/` or `.`, no upper case. */
export function isBlobKey(key: string): boolean {
  return key.length <= 512 && KEY.test(key) && !key.split('/').some((part) => part.startsWith('..'));
}

/**
 * Content-addressed key of a bundle archive.
 *
 * @example
 * bundleKey('9f86d0...') // 'bundles/9f86d0....zip'
 */
export function bundleKey(sha256: string): string {
  if (!SHA256.test(sha256))
    throw new ServiceError('invalid_argument', 'bundle sha256 must be 64 lower-case hex');
  return `bundles/${sha256}.zip`;
}

/**
 * Key of a submission's `output.csv`.
 *
 * @example
 * outputKey('0b9f...-uuid') // 'outputs/0b9f...-uuid.csv'
 */
export function outputKey(submissionId: string): string {
  const key = `outputs/${submissionId.toLowerCase()}.csv`;
  if (!isBlobKey(key)) throw new ServiceError('invalid_argument', 'bad submission id for an output key');
  return key;
}

/**
 * Key of one cached leaf probability table (see prediction-cache.ts); `hex` is the sha256 of its cache key.
 *
 * @example
 * predictionKey('3a7b...') // 'predictions/3a/3a7b....bin'
 */
export function predictionKey(hex: string): string {
  if (!SHA256.test(hex))
    throw new ServiceError('invalid_argument', 'prediction key must be 64 lower-case hex');
  return `predictions/${hex.slice(0, 2)}/${hex}.bin`;
}

/**
 * Key of the list of files a model file references (TF.js shards, ONNX external data), by the model's sha256.
 *
 * @example
 * modelRefsKey('9f86...') // 'predictions/refs/9f86....json'
 */
export function modelRefsKey(sha256: string): string {
  if (!SHA256.test(sha256))
    throw new ServiceError('invalid_argument', 'model sha256 must be 64 lower-case hex');
  return `predictions/refs/${sha256}.json`;
}

/** `key` itself; `invalid_argument` unless it {@link isBlobKey}. */
export function checkKey(key: string): string {
  if (!isBlobKey(key)) throw new ServiceError('invalid_argument', `invalid blob key ${JSON.stringify(key)}`);
  return key;
}
