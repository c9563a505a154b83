// Blob storage for bundles and outputs: the BlobStore interface and the keys objects live under.
import { rm } from 'node:fs/promises';
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
  /**
   * Moves the file at `srcPath` (on the store's filesystem) under `key` without copying it; the source is
   * gone afterwards. Only stores that keep local files have it: use {@link moveIntoStore}.
   */
  moveFile?(key: string, srcPath: string): Promise<void>;
  /** Stores everything `source` yields under `key`; returns the byte count. */
  putStream(key: string, source: Readable | AsyncIterable<Uint8Array>): Promise<{ bytes: number }>;
  /**
   * A stream of the object, or of the bytes `range.start..range.end` (both inclusive, within the object) when
   * a range is given; `not_found` when there is none.
   */
  getStream(key: string, range?: ByteRange): Promise<Readable>;
  /** A local file path of the object, when the store keeps one (readers must not modify it). */
  getPath?(key: string): Promise<string>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /** Releases connections (S3); the local store holds none. */
  dispose?(): void;
}

/** Bytes `start` to `end` of an object, both inclusive (HTTP's `Range: bytes=start-end`). */
export type ByteRange = { start: number; end: number };

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
  return `bundles/${sha(sha256, 'bundle')}.zip`;
}

/** 64 lower-case hex, or `invalid_argument` naming what the hash is of. */
function sha(sha256: string, what: string): string {
  if (!SHA256.test(sha256))
    throw new ServiceError('invalid_argument', `${what} sha256 must be 64 lower-case hex`);
  return sha256;
}

/**
 * Content-addressed key of one bundle file (a model, its weights, a manifest), whatever the upload path.
 *
 * @example
 * fileKey('9f86d0...') // 'files/9f86d0...'
 */
export function fileKey(sha256: string): string {
  return `files/${sha(sha256, 'file')}`;
}

/**
 * Key of the file index of a bundle committed without a zip (`BundleIndex`, functions/storage/bundle-files.ts):
 * its `blobKey` in the database.
 *
 * @example
 * bundleIndexKey('9f86d0...') // 'bundles/9f86d0....json'
 */
export function bundleIndexKey(sha256: string): string {
  return `bundles/${sha(sha256, 'bundle')}.json`;
}

/** True when a bundle's blob key names a file index (no zip): the scorer assembles a folder from file blobs. */
export function isBundleIndexKey(key: string): boolean {
  return /^bundles\/[0-9a-f]{64}\.json$/.test(key);
}

/**
 * Key of an upload plan (which files a team will send for one bundle).
 *
 * @example
 * planKey('0b9f...-uuid') // 'plans/0b9f...-uuid.json'
 */
export function planKey(planId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(planId)) throw new ServiceError('not_found', `no upload plan ${planId}`);
  return `plans/${planId}.json`;
}

/**
 * Move (local store) or copy then delete (others) `srcPath` into the store under `key`.
 *
 * @example
 * await moveIntoStore(blobs, fileKey(sha256), verifiedUploadPath);
 */
export async function moveIntoStore(blobs: BlobStore, key: string, srcPath: string): Promise<void> {
  if (blobs.moveFile) return blobs.moveFile(key, srcPath);
  await blobs.putFile(key, srcPath);
  await rm(srcPath, { force: true });
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

/**
 * Content-addressed key of a file participants download (functions/services/data-files.ts).
 *
 * @example
 * dataFileKey('9f86d0...', 'zip') // 'data/9f86d0....zip'
 */
export function dataFileKey(sha256: string, extension: 'zip' | 'csv'): string {
  return `data/${sha(sha256, 'data file')}.${extension}`;
}

/** `key` itself; `invalid_argument` unless it {@link isBlobKey}. */
export function checkKey(key: string): string {
  if (!isBlobKey(key)) throw new ServiceError('invalid_argument', `invalid blob key ${JSON.stringify(key)}`);
  return key;
}
