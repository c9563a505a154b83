// Blob storage for bundles and outputs: the BlobStore interface, its local-folder implementation, and the env factory.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobDir, type Env } from '../config/env.js';
import { ServiceError } from '../services/errors.js';

/**
 * Where bundles and outputs live. Keys are relative, `/`-separated, lower-case ASCII (see {@link isBlobKey}).
 * Every write is atomic: a reader sees the old object, the whole new one, or nothing.
 * Implementations: {@link createLocalBlobStore} (default) and `createS3BlobStore` in blob-s3.ts;
 * {@link createBlobStore} picks one from the environment.
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

function checkKey(key: string): string {
  if (!isBlobKey(key)) throw new ServiceError('invalid_argument', `invalid blob key ${JSON.stringify(key)}`);
  return key;
}

/**
 * A BlobStore in a local folder (`<SKETCHBOARD_DATA_DIR>/blobs` in embedded mode). Writes go to
 * `<root>/.tmp/` first and are renamed into place, so they are atomic on one filesystem.
 *
 * @example
 * const blobs = createLocalBlobStore(blobDir(env));
 * await blobs.putFile(bundleKey(sha256), uploadedTmpPath);
 * const path = await blobs.getPath!(bundleKey(sha256));
 */
export function createLocalBlobStore(root: string): BlobStore {
  const tmpDir = join(root, '.tmp');
  const pathOf = (key: string) => join(root, ...checkKey(key).split('/'));

  /** Runs `write(tmp)` then renames tmp over the key's path; removes tmp on any failure. */
  async function atomically<T>(key: string, write: (tmp: string) => Promise<T>): Promise<T> {
    const dest = pathOf(key);
    await mkdir(tmpDir, { recursive: true });
    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    try {
      const result = await write(tmp);
      await rename(tmp, dest);
      return result;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async function existing(key: string): Promise<string> {
    const path = pathOf(key);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new ServiceError('not_found', `no blob ${key}`);
    return path;
  }

  return {
    putFile: (key, srcPath) => atomically(key, (tmp) => copyFile(srcPath, tmp)),
    putStream: (key, source) =>
      atomically(key, async (tmp) => {
        let bytes = 0;
        const counted = async function* () {
          for await (const chunk of source as AsyncIterable<Uint8Array>) {
            bytes += chunk.length;
            yield chunk;
          }
        };
        await pipeline(counted, createWriteStream(tmp, { flags: 'wx' }));
        return { bytes };
      }),
    getStream: async (key) => createReadStream(await existing(key)),
    getPath: (key) => existing(key),
    exists: async (key) => (await stat(pathOf(key)).catch(() => null))?.isFile() ?? false,
    // async: a bad key rejects like every other method instead of throwing synchronously.
    delete: async (key) => rm(pathOf(key), { force: true }),
  };
}

/**
 * The blob store the environment selects: `SKETCHBOARD_BLOB_BACKEND=local` (default) keeps blobs in
 * `<SKETCHBOARD_DATA_DIR>/blobs`; `s3` uses the bucket from `SKETCHBOARD_S3_*` with credentials from the
 * AWS SDK chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, web identity, instance role). The S3 client is
 * loaded only when chosen.
 *
 * @example
 * const blobs = await createBlobStore(loadEnv());
 * try { await blobs.putFile(bundleKey(sha256), tmpZip); } finally { blobs.dispose?.(); }
 */
export async function createBlobStore(env: Pick<Env, 'dataDir' | 'blobs'>): Promise<BlobStore> {
  if (env.blobs.backend === 'local') return createLocalBlobStore(blobDir(env));
  const { backend: _backend, ...s3 } = env.blobs;
  const { createS3BlobStore } = await import('./s3.js');
  return createS3BlobStore(s3);
}
